// raw_execve MARKER: replaces itself with `/bin/sh -c ': > MARKER'` through a raw
// syscall(SYS_execve). The marker exists only if the other program ran.
#include <sys/syscall.h>

#include "helper.h"

extern char** environ;

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: raw_execve MARKER\n");
    return 2;
  }
  announce_start();
  char* const sh_argv[] = {"sh", "-c", ": > \"$1\"", "sh", argv[1], NULL};
  syscall(SYS_execve, "/bin/sh", sh_argv, environ);
  fail_with("execve /bin/sh", errno);
}
