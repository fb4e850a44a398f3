// exec_in: the least a launcher of hermetic's design must do before it execs its target, and
// nothing more, for bench/floors.py. A static musl program (as hermetic is) that optionally
// installs a one-instruction seccomp filter that allows everything, and Landlock layers whose
// rules it is given ready-made, then execs. What a run under it costs over bare is what the
// kernel mechanisms and one more exec charge on this machine, before any planning.
//
//   exec_in [--seccomp] [--mkdtemp TEMPLATE]
//           [--layer HANDLED [--scope SCOPES] [--rule RIGHTS:PATH]...]... -- ARGV
//
// --mkdtemp makes a directory from TEMPLATE (as hermetic makes the run's private TMPDIR); a
// rule's PATH "@tmpdir" names it.
// HANDLED, RIGHTS and SCOPES are comma-separated names as `hermetic --explain` prints them
// (read_file, make_dir, ...; abstract_unix_socket, signal). A rule whose path cannot be opened
// is skipped, as hermetic skips its optional rules.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// Newer than Debian 12's kernel headers (Landlock ABI 2).
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
struct ruleset_attr {  // struct landlock_ruleset_attr as of ABI 6
  unsigned long long handled_access_fs;
  unsigned long long handled_access_net;
  unsigned long long scoped;
};

static const struct {
  const char* name;
  unsigned long long bit;
} kRights[] = {
    {"execute", LANDLOCK_ACCESS_FS_EXECUTE},
    {"write_file", LANDLOCK_ACCESS_FS_WRITE_FILE},
    {"read_file", LANDLOCK_ACCESS_FS_READ_FILE},
    {"read_dir", LANDLOCK_ACCESS_FS_READ_DIR},
    {"remove_dir", LANDLOCK_ACCESS_FS_REMOVE_DIR},
    {"remove_file", LANDLOCK_ACCESS_FS_REMOVE_FILE},
    {"make_char", LANDLOCK_ACCESS_FS_MAKE_CHAR},
    {"make_dir", LANDLOCK_ACCESS_FS_MAKE_DIR},
    {"make_reg", LANDLOCK_ACCESS_FS_MAKE_REG},
    {"make_sock", LANDLOCK_ACCESS_FS_MAKE_SOCK},
    {"make_fifo", LANDLOCK_ACCESS_FS_MAKE_FIFO},
    {"make_block", LANDLOCK_ACCESS_FS_MAKE_BLOCK},
    {"make_sym", LANDLOCK_ACCESS_FS_MAKE_SYM},
    {"refer", LANDLOCK_ACCESS_FS_REFER},
    {"truncate", LANDLOCK_ACCESS_FS_TRUNCATE},
    {"ioctl_dev", LANDLOCK_ACCESS_FS_IOCTL_DEV},
    {"abstract_unix_socket", LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET},
    {"signal", LANDLOCK_SCOPE_SIGNAL},
};

static void die(const char* what, const char* detail) {
  fprintf(stderr, "exec_in: %s: %s\n", what, detail);
  exit(127);
}

static unsigned long long bits_of(const char* names, size_t length) {
  unsigned long long bits = 0;
  while (length > 0) {
    const char* comma = memchr(names, ',', length);
    const size_t n = comma != NULL ? (size_t)(comma - names) : length;
    int found = 0;
    for (size_t i = 0; i < sizeof kRights / sizeof kRights[0]; ++i) {
      if (strlen(kRights[i].name) == n && strncmp(kRights[i].name, names, n) == 0) {
        bits |= kRights[i].bit;
        found = 1;
      }
    }
    if (!found) die("unknown right", names);
    names += n;
    length -= n;
    if (length > 0) {  // skip the comma
      ++names;
      --length;
    }
  }
  return bits;
}

static char* tmpdir = NULL;

static void restrict_to(struct ruleset_attr* attr, char** rules, int count) {
  const int ruleset = (int)syscall(SYS_landlock_create_ruleset, attr, sizeof *attr, 0);
  if (ruleset < 0) die("landlock_create_ruleset", "failed");
  for (int i = 0; i < count; ++i) {
    const char* colon = strchr(rules[i], ':');
    if (colon == NULL) die("a rule is RIGHTS:PATH", rules[i]);
    const char* path = strcmp(colon + 1, "@tmpdir") == 0 && tmpdir != NULL ? tmpdir : colon + 1;
    struct landlock_path_beneath_attr rule = {
        .allowed_access = bits_of(rules[i], (size_t)(colon - rules[i])),
        .parent_fd = open(path, O_PATH | O_CLOEXEC),
    };
    if (rule.parent_fd < 0) continue;
    if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
      die("landlock_add_rule", path);
    }
    close(rule.parent_fd);
  }
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) die("landlock_restrict_self", "");
  close(ruleset);
}

int main(int argc, char** argv) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("prctl", "no_new_privs");
  int i = 1;
  int seccomp = 0;
  while (i < argc && strcmp(argv[i], "--") != 0) {
    if (strcmp(argv[i], "--seccomp") == 0) {
      seccomp = 1;
      ++i;
    } else if (strcmp(argv[i], "--mkdtemp") == 0 && i + 1 < argc) {
      tmpdir = mkdtemp(argv[i + 1]);
      if (tmpdir == NULL) die("mkdtemp", argv[i + 1]);
      i += 2;
    } else if (strcmp(argv[i], "--layer") == 0 && i + 1 < argc) {
      struct ruleset_attr attr = {.handled_access_fs = bits_of(argv[i + 1], strlen(argv[i + 1]))};
      i += 2;
      if (i + 1 < argc && strcmp(argv[i], "--scope") == 0) {
        attr.scoped = bits_of(argv[i + 1], strlen(argv[i + 1]));
        i += 2;
      }
      const int first = i;
      while (i + 1 < argc && strcmp(argv[i], "--rule") == 0) {
        argv[first + (i - first) / 2] = argv[i + 1];
        i += 2;
      }
      restrict_to(&attr, argv + first, (i - first) / 2);
    } else {
      die("unknown argument", argv[i]);
    }
  }
  if (i + 1 >= argc) die("usage", "exec_in [OPTIONS] -- ARGV");
  if (seccomp) {
    // One instruction: the kernel's per-call cost of having a filter at all.
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {.len = 1, .filter = &allow};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) die("seccomp", "");
  }
  execv(argv[i + 1], argv + i + 1);
  die("exec", argv[i + 1]);
}
