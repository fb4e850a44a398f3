// ptrace_poke attach PID ADDRESS: writes "run!" over the 4 bytes at ADDRESS in process PID as a
// debugger would (PTRACE_ATTACH, PTRACE_PEEKDATA, PTRACE_POKEDATA, PTRACE_DETACH).
// ptrace_poke mem PID ADDRESS: the same through /proc/PID/mem.
// ptrace_poke own-child MARKER: the same on a child of its own, which creates MARKER only when it
// finds its flag changed: tracing one's own children (gdb, strace) works inside a sandbox.
// Exits 0, or with the errno of the step that failed.
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "helper.h"

static void poke(pid_t pid, uintptr_t address) {
  if (ptrace(PTRACE_ATTACH, pid, 0, 0) != 0) fail_with("PTRACE_ATTACH", errno);
  int status = 0;
  if (waitpid(pid, &status, __WALL) < 0) fail_with("waitpid", errno);
  errno = 0;
  long word = ptrace(PTRACE_PEEKDATA, pid, (void*)address, 0);
  if (errno != 0) fail_with("PTRACE_PEEKDATA", errno);
  memcpy(&word, "run!", 4);  // the flag is the word's first 4 bytes (little-endian or not)
  if (ptrace(PTRACE_POKEDATA, pid, (void*)address, (void*)word) != 0) {
    fail_with("PTRACE_POKEDATA", errno);
  }
  if (ptrace(PTRACE_DETACH, pid, 0, 0) != 0) fail_with("PTRACE_DETACH", errno);
}

static void poke_mem(pid_t pid, uintptr_t address) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
  const int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) fail_with("open /proc/PID/mem", errno);
  if (pwrite(fd, "run!", 4, (off_t)address) != 4) fail_with("pwrite /proc/PID/mem", errno);
  close(fd);
}

// The child waits on a pipe until its parent has poked it, then looks at its flag.
static int own_child(const char* marker) {
  static volatile char flag[8] = "wait";
  int go[2];
  if (pipe(go) != 0) fail_with("pipe", errno);
  const pid_t child = fork();
  if (child < 0) fail_with("fork", errno);
  if (child == 0) {
    close(go[1]);
    char byte = 0;
    if (read(go[0], &byte, 1) != 1) _exit(1);
    if (memcmp((const char*)flag, "run!", 4) != 0) _exit(3);
    int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    _exit(fd >= 0 ? 0 : 1);
  }
  close(go[0]);
  poke(child, (uintptr_t)flag);
  if (write(go[1], "g", 1) != 1) fail_with("write", errno);
  int status = 0;
  if (waitpid(child, &status, 0) < 0) fail_with("waitpid", errno);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char** argv) {
  announce_start();
  if (argc == 4 && strcmp(argv[1], "attach") == 0) {
    poke((pid_t)strtol(argv[2], NULL, 10), (uintptr_t)strtoull(argv[3], NULL, 10));
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "mem") == 0) {
    poke_mem((pid_t)strtol(argv[2], NULL, 10), (uintptr_t)strtoull(argv[3], NULL, 10));
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "own-child") == 0) return own_child(argv[2]);
  fprintf(stderr, "usage: ptrace_poke attach|mem PID ADDRESS | own-child MARKER\n");
  return 2;
}
