// raw_connect PORT: TCP connect to 127.0.0.1:PORT through raw syscall(SYS_socket/SYS_connect),
// below any libc wrapper or interposer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "helper.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: raw_connect PORT\n");
    return 2;
  }
  announce_start();
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(parse_port(argv[1]))};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail_with("socket", errno);
  if (syscall(SYS_connect, fd, &addr, sizeof addr) != 0) fail_with("connect", errno);
  return 0;
}
