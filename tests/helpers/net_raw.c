// Network attempts through raw syscalls, no libc wrappers: `net_raw MODE IPV4 PORT` with MODE
// connect, sendto, sendmsg, sendmmsg, fastopen, or lsrr (set an IPv4 loose source route whose
// first hop is IPV4, passing the level with junk in its upper 32 bits as a filter that compares
// 64 bits would miss it). Prints "ok" or "errno N"; exits 0.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(long rc) {
  if (rc < 0) {
    printf("errno %d\n", errno);
  } else {
    printf("ok\n");
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: net_raw MODE IPV4 PORT\n");
    return 2;
  }
  const char* mode = argv[1];
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[3]));
  if (inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1) return 2;
  const int stream =
      strcmp(mode, "connect") == 0 || strcmp(mode, "fastopen") == 0 || strcmp(mode, "lsrr") == 0;
  long fd = syscall(SYS_socket, AF_INET, stream ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (fd < 0) return report(fd);
  char payload[] = "probe";
  struct iovec iov = {payload, 5};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &addr;
  msg.msg_namelen = sizeof addr;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (strcmp(mode, "connect") == 0) {
    return report(syscall(SYS_connect, fd, &addr, sizeof addr));
  }
  if (strcmp(mode, "lsrr") == 0) {
    // NOP, LSRR (type 131), length 7, pointer 4, first hop.
    unsigned char options[8] = {1, 131, 7, 4, 0, 0, 0, 0};
    memcpy(options + 4, &addr.sin_addr, 4);
    const unsigned long level = (1UL << 32) | IPPROTO_IP;
    return report(syscall(SYS_setsockopt, fd, level, IP_OPTIONS, options, sizeof options));
  }
  if (strcmp(mode, "fastopen") == 0) {
    return report(syscall(SYS_sendto, fd, payload, 5, MSG_FASTOPEN, &addr, sizeof addr));
  }
  if (strcmp(mode, "sendto") == 0) {
    return report(syscall(SYS_sendto, fd, payload, 5, 0, &addr, sizeof addr));
  }
  if (strcmp(mode, "sendmsg") == 0) return report(syscall(SYS_sendmsg, fd, &msg, 0));
  if (strcmp(mode, "sendmmsg") == 0) {
    struct mmsghdr msgs[2];
    memset(msgs, 0, sizeof msgs);
    msgs[0].msg_hdr = msg;
    msgs[1].msg_hdr = msg;
    long sent = syscall(SYS_sendmmsg, fd, msgs, 2, 0);
    if (sent >= 0 && (sent != 2 || msgs[0].msg_len != 5 || msgs[1].msg_len != 5)) {
      printf("short %ld\n", sent);
      return 0;
    }
    return report(sent);
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}
