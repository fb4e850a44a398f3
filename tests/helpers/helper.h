// Shared by the escape helpers: each does one thing and reports by side effect (a connection
// the listener counts, a marker file) and by its exit status (0, or the errno of the step that
// failed, also printed to stderr).
#ifndef HERMETIC_TEST_HELPER_H
#define HERMETIC_TEST_HELPER_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Creates the file named by $HERMETIC_TEST_STARTED (if set): proof that the helper ran at all,
// so a blocked attempt is told apart from a helper that never started.
static inline void announce_start(void) {
  const char* path = getenv("HERMETIC_TEST_STARTED");
  if (path == NULL) return;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
}

// Reports the failed step with errno `err` and exits with it (1 if it does not fit).
static inline void fail_with(const char* step, int err) {
  fprintf(stderr, "%s: %s (errno %d)\n", step, strerror(err), err);
  exit(err > 0 && err < 126 ? err : 1);
}

static inline int parse_port(const char* text) {
  char* end = NULL;
  long port = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || port <= 0 || port > 65535) {
    fprintf(stderr, "bad port: %s\n", text);
    exit(2);
  }
  return (int)port;
}

#endif
