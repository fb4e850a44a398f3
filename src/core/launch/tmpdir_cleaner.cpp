#include "launch/tmpdir_cleaner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <csignal>
#include <cstddef>
#include <cstring>

#include "base/fd.hpp"
#include "launch/private_tmpdir.hpp"

namespace hermetic::tmpdir_cleaner {
namespace {

// What the cleaner needs, in memory the launcher never touches again after clone().
struct Job {
  std::string path;
  int pidfd = -1;          // the launcher, later the target: readable once it has exited
  int launcher_gone = -1;  // read end of a pipe whose write end closes at the launcher's exec
  int warn_fd = -1;        // the terminal for a warning, or -1 (a pipe would be held open)
};

// Closes every descriptor but those in `keep` (ascending, -1 entries ignored).
void close_all_but(std::array<int, 3> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned int from = 0;
  for (const int fd : keep) {
    if (fd < 0) continue;
    if (static_cast<unsigned int>(fd) > from) {
      (void)syscall(SYS_close_range, from, static_cast<unsigned int>(fd) - 1, 0U);
    }
    from = static_cast<unsigned int>(fd) + 1;
  }
  (void)syscall(SYS_close_range, from, UINT_MAX, 0U);
}

int cleaner_main(void* raw) {
  const Job& job = *static_cast<const Job*>(raw);
  // Until the launcher execs (or exits) this process shares its memory: only system calls that
  // cannot fail, on this process's own stack. Every signal stays blocked for good (nothing but
  // SIGKILL stops the cleaner), and a session of its own keeps the terminal's signals away.
  sigset_t all;
  std::memset(&all, 0xff, sizeof all);
  (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, nullptr, sizeof(unsigned long));
  close_all_but({job.pidfd, job.launcher_gone, job.warn_fd});
  (void)syscall(SYS_setsid);
  char byte = 0;
  while (syscall(SYS_read, job.launcher_gone, &byte, 1) > 0) {
  }
  // The launcher has left this address space; it is the cleaner's alone now.
  pollfd target{.fd = job.pidfd, .events = POLLIN, .revents = 0};
  while (poll(&target, 1, -1) < 0) {
  }
  if (!remove_tree(job.path) && job.warn_fd >= 0) {
    const std::string line = "hermetic: warning: could not remove all of " + job.path + "\n";
    (void)!write(job.warn_fd, line.data(), line.size());
  }
  _exit(0);
}

}  // namespace

pid_t start(const std::string& path, pid_t watched, int* launcher_end) {
  // O_CLOEXEC: the target has none.
  const long pidfd = syscall(SYS_pidfd_open, watched != 0 ? watched : getpid(), 0U);
  if (pidfd < 0) return -1;
  Fd launcher(static_cast<int>(pidfd));
  std::array<int, 2> pipe_fds{};
  if (pipe2(pipe_fds.data(), O_CLOEXEC) != 0) return -1;
  const Fd gone_read(pipe_fds[0]);
  Fd gone_write(pipe_fds[1]);

  // Undumpable, as a waiting parent (launch.cpp): this memory becomes the cleaner's and holds
  // the exec token; a core file would hand it to the target. The target's exec resets the flag
  // for the target.
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  static Job job;  // outlives this frame; read by the cleaner only
  job = Job{path, launcher.get(), gone_read.get(), isatty(STDERR_FILENO) == 1 ? STDERR_FILENO : -1};
  // The cleaner's stack: once the launcher has exec'd, this mapping is the cleaner's only. As
  // large as a main thread's (remove_tree recurses once per directory level, up to a bound);
  // only the pages touched are ever allocated.
  constexpr std::size_t kStackSize = std::size_t{8} * 1024 * 1024;
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) return -1;
  // CLONE_VM: no page tables to copy. No exit signal: the target's wait() does not see it, and
  // once the target is gone it belongs to init (or the caller's subreaper), which reaps it.
  const pid_t cleaner =
      clone(&cleaner_main, static_cast<char*>(stack) + kStackSize, CLONE_VM, &job);
  if (cleaner < 0) {
    (void)munmap(stack, kStackSize);
    return -1;
  }
  // The cleaner has its own copies of the pidfd and the read end (no CLONE_FILES), and closes its
  // copy of the write end. This one stays open until the exec (or exit) closes it: O_CLOEXEC.
  // Returning closes this process's copies of the other two.
  if (launcher_end != nullptr) *launcher_end = gone_write.get();
  (void)gone_write.release();
  return cleaner;
}

}  // namespace hermetic::tmpdir_cleaner
