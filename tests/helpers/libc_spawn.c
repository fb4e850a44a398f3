// libc_spawn MARKER: tries each of libc's own ways to run another program, going on after each
// refusal: fork() (the child creates MARKER), posix_spawn() and execv() of `touch MARKER`. For
// the reports of the preloaded library, which interposes these functions. Exits 0 when all
// three were refused, else with the number of those that were not (MARKER then exists).
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/wait.h>

#include "helper.h"

extern char** environ;

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: libc_spawn MARKER\n");
    return 2;
  }
  announce_start();
  int ran = 0;
  const pid_t child = fork();
  if (child == 0) {
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    _exit(fd >= 0 ? 0 : 1);
  }
  if (child > 0) {
    ++ran;
    waitpid(child, NULL, 0);
  }
  char* touch[] = {"touch", argv[1], NULL};
  pid_t spawned = -1;
  if (posix_spawn(&spawned, "/usr/bin/touch", NULL, NULL, touch, environ) == 0) {
    ++ran;
    waitpid(spawned, NULL, 0);
  }
  execv("/usr/bin/touch", touch);  // returns only when refused
  return ran;
}
