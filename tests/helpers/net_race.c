// TOCTOU attempt on the supervisor: a second thread keeps rewriting the destination address
// between a loopback listener (allowed) and the remote host (refused) while the main thread
// connects or sends to it, COUNT times. A supervisor that reread the address after deciding, or
// let the kernel continue the call, would let some calls reach the remote host.
// Usage: net_race connect|sendto|sendmsg LOOP_PORT REMOTE_IP REMOTE_PORT COUNT
// Prints how many calls succeeded.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct sockaddr_in shared;  // rewritten by the flipper while the calls use it
static struct sockaddr_in good, bad;
static atomic_int stop;

static void* flip(void* unused) {
  (void)unused;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    // The yields let the main thread run between flips when both share one CPU.
    memcpy((void*)&shared, &bad, sizeof bad);
    __asm__ volatile("" ::: "memory");
    sched_yield();
    memcpy((void*)&shared, &good, sizeof good);
    __asm__ volatile("" ::: "memory");
    sched_yield();
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 6) return 2;
  const char* mode = argv[1];
  good.sin_family = bad.sin_family = AF_INET;
  good.sin_port = htons((unsigned short)atoi(argv[2]));
  inet_pton(AF_INET, "127.0.0.1", &good.sin_addr);
  bad.sin_port = htons((unsigned short)atoi(argv[4]));
  if (inet_pton(AF_INET, argv[3], &bad.sin_addr) != 1) return 2;
  const int count = atoi(argv[5]);
  shared = good;
  pthread_t flipper;
  pthread_create(&flipper, NULL, flip, NULL);
  int ok = 0;
  char payload[] = "race";
  for (int i = 0; i < count; ++i) {
    const int stream = strcmp(mode, "connect") == 0;
    const int fd = socket(AF_INET, stream ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0) break;
    long rc = -1;
    if (stream) {
      rc = syscall(SYS_connect, fd, &shared, sizeof shared);
    } else if (strcmp(mode, "sendto") == 0) {
      rc = syscall(SYS_sendto, fd, payload, 4, 0, &shared, sizeof shared);
    } else {
      struct iovec iov = {payload, 4};
      struct msghdr msg;
      memset(&msg, 0, sizeof msg);
      msg.msg_name = &shared;
      msg.msg_namelen = sizeof shared;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      rc = syscall(SYS_sendmsg, fd, &msg, 0);
    }
    if (rc >= 0) ++ok;
    close(fd);
  }
  atomic_store(&stop, 1);
  pthread_join(flipper, NULL);
  printf("%d\n", ok);
  return 0;
}
