// static_attempts DIR: a statically linked program (no preloaded library sees its libc calls)
// that tries what --no-subprocess, --fs-readonly and --no-network refuse, and checks each
// refusal's errno is the one a bare kernel row gives: fork() EPERM, execve() EACCES, raw clone3
// ENOSYS (glibc's way to clone(); it must stay so), a new file in DIR EACCES (Landlock), an
// AF_INET socket EACCES. A thread must still start.
// Side effects by marker in DIR: "forked" (the child ran), "execd" (the program ran), "new".
// Exits 0 when everything was refused as expected, else with the errno of the first surprise.
// link: -static -pthread
#define _GNU_SOURCE
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "helper.h"

static void* thread_main(void* arg) { return arg; }

static void expect_errno(const char* step, long rc, int expected) {
  if (rc >= 0) fail_with(step, 0);  // it was allowed: exit 1
  if (errno != expected) fail_with(step, errno);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: static_attempts DIR\n");
    return 2;
  }
  announce_start();
  char path[4096];
  snprintf(path, sizeof path, "%s/forked", argv[1]);
  const pid_t pid = fork();
  if (pid == 0) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    _exit(fd >= 0 ? 0 : 1);
  }
  if (pid > 0) waitpid(pid, NULL, 0);
  expect_errno("fork", pid, EPERM);

  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  const long cloned = syscall(SYS_clone3, &args, sizeof args);
  if (cloned == 0) _exit(0);
  expect_errno("clone3", cloned, ENOSYS);

  pthread_t thread;
  const int err = pthread_create(&thread, NULL, thread_main, NULL);
  if (err != 0) fail_with("pthread_create", err);
  pthread_join(thread, NULL);

  snprintf(path, sizeof path, "%s/execd", argv[1]);
  char* const sh_argv[] = {"sh", "-c", ": > \"$1\"", "sh", path, NULL};
  char* const no_env[] = {NULL};
  expect_errno("execve", execve("/bin/sh", sh_argv, no_env), EACCES);

  snprintf(path, sizeof path, "%s/new", argv[1]);
  expect_errno("open", open(path, O_WRONLY | O_CREAT | O_EXCL, 0644), EACCES);
  expect_errno("socket", socket(AF_INET, SOCK_STREAM, 0), EACCES);
  return 0;
}
