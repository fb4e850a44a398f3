// uring_open_trunc PATH: opens PATH with O_RDONLY | O_TRUNC entirely through io_uring
// (IORING_OP_OPENAT): no open system call is made, so no seccomp rule sees the flags.
// link: -luring
#include <liburing.h>

#include "helper.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: uring_open_trunc PATH\n");
    return 2;
  }
  announce_start();
  struct io_uring ring;
  int rc = io_uring_queue_init(2, &ring, 0);
  if (rc < 0) fail_with("io_uring_setup", -rc);
  io_uring_prep_openat(io_uring_get_sqe(&ring), AT_FDCWD, argv[1], O_RDONLY | O_TRUNC, 0);
  rc = io_uring_submit(&ring);
  if (rc < 0) fail_with("io_uring_submit", -rc);
  struct io_uring_cqe* cqe = NULL;
  rc = io_uring_wait_cqe(&ring, &cqe);
  if (rc < 0) fail_with("io_uring_wait_cqe", -rc);
  const int fd = cqe->res;
  io_uring_cqe_seen(&ring, cqe);
  if (fd < 0) fail_with("IORING_OP_OPENAT", -fd);
  close(fd);
  io_uring_queue_exit(&ring);
  return 0;
}
