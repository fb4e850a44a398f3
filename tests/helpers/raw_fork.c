// raw_fork fork|clone|clone3 MARKER: creates a child through the raw system call named; only
// the child creates MARKER. The parent waits for it and exits 0, or with the errno of the call.
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "helper.h"

static long raw_child(const char* how) {
  if (strcmp(how, "fork") == 0) return syscall(SYS_fork);
  if (strcmp(how, "clone") == 0) return syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (strcmp(how, "clone3") == 0) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    return syscall(SYS_clone3, &args, sizeof args);
  }
  fprintf(stderr, "unknown mode: %s\n", how);
  exit(2);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: raw_fork fork|clone|clone3 MARKER\n");
    return 2;
  }
  announce_start();
  const long pid = raw_child(argv[1]);
  if (pid < 0) fail_with(argv[1], errno);
  if (pid == 0) {
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    _exit(fd >= 0 ? 0 : 1);
  }
  int status = 0;
  if (waitpid((pid_t)pid, &status, 0) < 0) fail_with("waitpid", errno);
  return 0;
}
