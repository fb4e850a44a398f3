// i386_fork MARKER: fork through the i386 system call gate (`int $0x80`, fork is 2 there) from
// this 64-bit program; only the child creates MARKER. The parent waits and exits 0, or with the
// errno of the fork.
#include <sys/wait.h>

#include "helper.h"

enum { kI386Fork = 2 };

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: i386_fork MARKER\n");
    return 2;
  }
  announce_start();
  long ret = kI386Fork;
  __asm__ volatile("int $0x80" : "+a"(ret) : : "r8", "r9", "r10", "r11", "memory");
  const int pid = (int)ret;  // 32-bit result: a pid or -errno
  if (pid < 0) fail_with("i386 fork", -pid);
  if (pid == 0) {
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    _exit(fd >= 0 ? 0 : 1);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) fail_with("waitpid", errno);
  return 0;
}
