// hermetic::spawn: the library's way to run a target. Steps 1-3 of the launch (launch.cpp)
// happen in the caller, where an error can still be returned and nothing is forked; then a
// monitor process is forked to do step 5 (the waiting parent) in the caller's stead, so that
// every change a waiting parent makes to itself (subreaper, undumpable, no core dumps, signal
// relay, environment wipe, death by the target's signal) happens to the monitor, never to the
// caller. Step 4, exec in place, is the hermetic executable's alone.
#include "hermetic/spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <utility>

#include "base/fd.hpp"
#include "hermetic/launch.hpp"
#include "launch/launch_steps.hpp"
#include "launch/signal_relay.hpp"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424  // the same number on every architecture but alpha
#endif

namespace hermetic {
namespace detail {

struct ChildMaker {
  static Child make(pid_t pid, int pidfd) { return {pid, pidfd}; }
};

}  // namespace detail

namespace {

// What the monitor tells spawn() through a pipe: the target has exec'd, or the run failed
// before it did (the monitor then exits with `exit_code`). One write below PIPE_BUF: atomic.
struct MonitorReport {
  enum class Kind : int { started, failed };
  Kind kind;
  int exit_code;
  std::array<char, 480> message;
};

void send_report(int fd, MonitorReport::Kind kind, int exit_code, const std::string& message) {
  MonitorReport report{kind, exit_code, {}};
  std::strncpy(report.message.data(), message.c_str(), report.message.size() - 1);
  // Best effort: if the caller is gone nobody is left to tell.
  [[maybe_unused]] const auto written = ::write(fd, &report, sizeof report);
}

// The descriptors open in this process (the caller's, before the launch opens its own).
std::vector<int> open_descriptors() {
  std::vector<int> out;
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc/self/fd"), &closedir);
  if (!dir) return out;
  while (const dirent* entry = readdir(dir.get())) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && fd != dirfd(dir.get())) {
      out.push_back(static_cast<int>(fd));
    }
  }
  return out;
}

// In the monitor: the caller's close-on-exec descriptors go, so that the monitor does not hold
// the caller's pipes and sockets open for the length of the run (the target would not get them
// either). Those without the flag stay: the target inherits them, as from posix_spawn.
void close_callers_cloexec(const std::vector<int>& callers) {
  for (const int fd : callers) {
    const int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) != 0) (void)::close(fd);
  }
}

// In the monitor: the caller's signal handlers are the caller's code and would run here on the
// caller's descriptors (a self-pipe, say); back to the defaults. Ignored signals stay ignored,
// as an exec keeps them.
void reset_caught_handlers() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) != 0) continue;  // the numbers libc keeps for itself
    if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) continue;
    (void)sigaction(sig, &dfl, nullptr);
  }
}

[[noreturn]] void monitor_main(launch_steps::PreparedRun& run, int report_fd,
                               const std::vector<int>& callers) {
  close_callers_cloexec(callers);
  reset_caught_handlers();
  // The caller may ignore SIGCHLD; the monitor must see its child's status.
  const signal_relay::OwnChildren own_children;
  auto status = launch_steps::serve_as_waiting_parent(
      run, [report_fd] { send_report(report_fd, MonitorReport::Kind::started, 0, {}); });
  if (!status) {
    // _exit runs no destructor: the run's files go here, as the executable's return does it.
    run.hosts.reset();
    run.tmpdir.reset();
    send_report(report_fd, MonitorReport::Kind::failed, status.error().exit_code,
                status.error().message);
    _exit(status.error().exit_code);
  }
  // The caller's atexit handlers and static destructors are not the monitor's to run: _exit.
  _exit(launch_steps::mirror_status(status.value()));
}

std::string describe(const ExitStatus& status) {
  if (status.exited()) return "exit code " + std::to_string(status.exit_code);
  return std::string("signal ") + strsignal(status.signal);
}

Result<Child> start(const Policy& policy, const std::vector<std::string>& argv,
                    const std::vector<std::string>* environment) {
  const std::vector<int> callers = open_descriptors();
  auto prepared = launch_steps::prepare(policy, argv, environment);
  if (!prepared) return prepared.error();
  launch_steps::PreparedRun& run = *prepared.value();

  std::array<int, 2> report_pipe{};
  if (pipe2(report_pipe.data(), O_CLOEXEC) != 0) {
    return Error{std::string("pipe2: ") + std::strerror(errno)};
  }
  Fd report_read(report_pipe[0]);
  Fd report_write(report_pipe[1]);
  const pid_t monitor = fork();
  if (monitor == 0) {
    report_read.reset();
    try {
      monitor_main(run, report_write.get(), callers);
    } catch (...) {
      _exit(exit_code::kError);  // allocation failure: the caller learns it from the report's end
    }
  }
  report_write.reset();
  if (monitor < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  // The run's files and its exec token are the monitor's now: this process forgets the token
  // and leaves the removal of the TMPDIR and the hosts file to the monitor.
  run.kernel->forget_exec_token();
  if (run.tmpdir) run.tmpdir->release();
  if (run.hosts) run.hosts->release();
  prepared.value().reset();

  const long pidfd = syscall(SYS_pidfd_open, monitor, 0U);  // O_CLOEXEC by default
  Child child = detail::ChildMaker::make(monitor, pidfd >= 0 ? static_cast<int>(pidfd) : -1);
  MonitorReport report{};
  ssize_t got = 0;
  do {
    got = ::read(report_read.get(), &report, sizeof report);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof report) && report.kind == MonitorReport::Kind::started) {
    return child;
  }
  auto ended = child.wait();
  if (got == static_cast<ssize_t>(sizeof report)) {
    report.message.back() = '\0';
    return Error{report.message.data(), report.exit_code};
  }
  return Error{"hermetic's monitor process ended before the target started" +
               (ended ? " (" + describe(ended.value()) + ")" : std::string())};
}

}  // namespace

ExitStatus ExitStatus::from_wait_status(int status) {
  if (WIFSIGNALED(status)) return {0, WTERMSIG(status)};
  if (WIFEXITED(status)) return {WEXITSTATUS(status), 0};
  return {exit_code::kError, 0};
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::exchange(other.pidfd_, -1)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Child old(std::move(*this));  // ends the run this one had, as its destructor would
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
  }
  return *this;
}

Child::~Child() {
  if (pid_ > 0) {
    (void)kill(SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  close_pidfd();
}

void Child::close_pidfd() {
  if (pidfd_ >= 0) (void)::close(pidfd_);
  pidfd_ = -1;
}

Result<ExitStatus> Child::wait() {
  if (pid_ <= 0) return Error{"this run was already waited for or detached"};
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    pid_ = -1;  // ECHILD: reaped already (by the kernel, SIGCHLD ignored, or another waitpid)
    close_pidfd();
    return Error{std::string("waitpid: ") + std::strerror(err) +
                 (err == ECHILD
                      ? " (the status is lost: this process ignores SIGCHLD, or something "
                        "else in it reaped the run)"
                      : "")};
  }
  pid_ = -1;
  close_pidfd();
  return ExitStatus::from_wait_status(status);
}

Result<std::optional<ExitStatus>> Child::try_wait() {
  if (pid_ <= 0) return Error{"this run was already waited for or detached"};
  int status = 0;
  pid_t got = 0;
  do {
    got = waitpid(pid_, &status, WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got == 0) return std::optional<ExitStatus>();
  if (got < 0) {  // the status is lost: reported as wait() reports it
    auto lost = wait();
    if (!lost) return lost.error();
    return std::optional<ExitStatus>(lost.value());
  }
  pid_ = -1;
  close_pidfd();
  return std::optional<ExitStatus>(ExitStatus::from_wait_status(status));
}

Status Child::kill(int sig) {
  if (pid_ <= 0) return Error{"this run was already waited for or detached"};
  // The monitor is this process's unreaped child: its pid cannot have been reused, so kill()
  // is as exact as the pidfd (which is used when there is one).
  // SIGKILL becomes the monitor's end-the-run signal: the target dies by SIGKILL and the
  // monitor kills what it left running before it exits (a SIGKILL to the monitor would orphan
  // those). A monitor that has not set its handler up yet dies of it all the same (its target
  // with it, PR_SET_PDEATHSIG).
  if (sig == SIGKILL) sig = signal_relay::end_run_signal();
  const long rc =
      pidfd_ >= 0 ? syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0U) : ::kill(pid_, sig);
  if (rc != 0) return Error{std::string("cannot signal the run: ") + std::strerror(errno)};
  return Ok{};
}

pid_t Child::detach() {
  close_pidfd();
  return std::exchange(pid_, -1);
}

Result<Child> spawn(const Policy& policy, const std::vector<std::string>& argv) {
  return start(policy, argv, nullptr);
}

Result<Child> spawn(const Policy& policy, const std::vector<std::string>& argv,
                    const std::vector<std::string>& environment) {
  return start(policy, argv, &environment);
}

Result<ExitStatus> run(const Policy& policy, const std::vector<std::string>& argv) {
  auto child = spawn(policy, argv);
  if (!child) return child.error();
  return child.value().wait();
}

}  // namespace hermetic
