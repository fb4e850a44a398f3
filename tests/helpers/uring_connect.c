// uring_connect PORT: TCP connect to 127.0.0.1:PORT entirely through io_uring
// (IORING_OP_SOCKET, then IORING_OP_CONNECT): no socket() or connect() system call is made.
// link: -luring
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "helper.h"

// Submits the one prepared SQE and returns its CQE result (>= 0, or -errno).
static int submit_one(struct io_uring* ring, const char* step) {
  int rc = io_uring_submit(ring);
  if (rc < 0) fail_with(step, -rc);
  struct io_uring_cqe* cqe = NULL;
  rc = io_uring_wait_cqe(ring, &cqe);
  if (rc < 0) fail_with(step, -rc);
  const int res = cqe->res;
  io_uring_cqe_seen(ring, cqe);
  return res;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: uring_connect PORT\n");
    return 2;
  }
  const int port = parse_port(argv[1]);
  announce_start();

  struct io_uring ring;
  int rc = io_uring_queue_init(4, &ring, 0);
  if (rc < 0) fail_with("io_uring_setup", -rc);

  io_uring_prep_socket(io_uring_get_sqe(&ring), AF_INET, SOCK_STREAM, 0, 0);
  const int fd = submit_one(&ring, "IORING_OP_SOCKET");
  if (fd < 0) fail_with("IORING_OP_SOCKET", -fd);

  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  io_uring_prep_connect(io_uring_get_sqe(&ring), fd, (struct sockaddr*)&addr, sizeof addr);
  rc = submit_one(&ring, "IORING_OP_CONNECT");
  if (rc < 0) fail_with("IORING_OP_CONNECT", -rc);
  io_uring_queue_exit(&ring);
  return 0;
}
