// i386_connect socketcall|direct PORT: TCP connect to 127.0.0.1:PORT from this 64-bit program
// through the i386 system call gate (`int $0x80`), where syscall numbers are the 32-bit ABI's.
// A filter that only knows x86_64 numbers would read them as other calls and let them pass.
//   socketcall: socketcall(SYS_SOCKET) then socketcall(SYS_CONNECT)
//   direct:     the i386 socket (359) and connect (362) calls of Linux >= 4.3
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "helper.h"

enum {
  kI386Socketcall = 102,
  kI386Socket = 359,
  kI386Connect = 362,
  kSocketcallSocket = 1,
  kSocketcallConnect = 3,
};

// One i386 system call; the kernel returns -errno in eax. Pointers must be below 4 GiB.
static long int80(long nr, long a, long b, long c) {
  long ret = nr;
  __asm__ volatile("int $0x80"
                   : "+a"(ret)
                   : "b"(a), "c"(b), "d"(c)
                   : "r8", "r9", "r10", "r11", "memory");
  return (int)ret;  // 32-bit result, sign-extended
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: i386_connect socketcall|direct PORT\n");
    return 2;
  }
  const int via_socketcall = strcmp(argv[1], "socketcall") == 0;
  if (!via_socketcall && strcmp(argv[1], "direct") != 0) {
    fprintf(stderr, "unknown mode: %s\n", argv[1]);
    return 2;
  }
  const int port = parse_port(argv[2]);
  announce_start();

  // The 32-bit ABI sees only the low 32 bits of every pointer: use memory below 4 GiB.
  struct low {
    struct sockaddr_in addr;
    uint32_t args[3];
  }* low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (low == MAP_FAILED) fail_with("mmap(MAP_32BIT)", errno);
  low->addr.sin_family = AF_INET;
  low->addr.sin_port = htons(port);
  low->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const long low_args = (long)(uintptr_t)low->args;
  const long low_addr = (long)(uintptr_t)&low->addr;

  long fd;
  if (via_socketcall) {
    low->args[0] = AF_INET;
    low->args[1] = SOCK_STREAM;
    low->args[2] = 0;
    fd = int80(kI386Socketcall, kSocketcallSocket, low_args, 0);
  } else {
    fd = int80(kI386Socket, AF_INET, SOCK_STREAM, 0);
  }
  if (fd < 0) fail_with("i386 socket", (int)-fd);

  long rc;
  if (via_socketcall) {
    low->args[0] = (uint32_t)fd;
    low->args[1] = (uint32_t)low_addr;
    low->args[2] = sizeof low->addr;
    rc = int80(kI386Socketcall, kSocketcallConnect, low_args, 0);
  } else {
    rc = int80(kI386Connect, fd, low_addr, sizeof low->addr);
  }
  if (rc < 0) fail_with("i386 connect", (int)-rc);
  return 0;
}
