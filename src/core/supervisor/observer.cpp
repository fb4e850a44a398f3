#include "supervisor/observer.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include "hermetic/report_event.hpp"
#include "supervisor/call_uses.hpp"
#include "supervisor/unotify.hpp"

namespace hermetic::observer {
namespace {

std::string program_of(pid_t pid) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  return ec ? std::string() : target.string();
}

}  // namespace

std::vector<syscall_rules::Rule> filter_rules() { return call_uses::rules(); }

Result<std::unique_ptr<Observer>> Observer::start(Fd listener, Config config) {
  Fd wake(eventfd(0, EFD_CLOEXEC));
  if (!wake) return Error{std::string("eventfd: ") + std::strerror(errno)};
  unotify::prefer_sync_wake_up(listener.get());
  std::unique_ptr<Observer> observer(
      new Observer(std::move(listener), std::move(wake), std::move(config)));  // NOLINT
  try {
    Observer* self = observer.get();
    observer->thread_ = std::thread([self] { self->serve(); });
  } catch (const std::system_error&) {
    return Error{"learn: cannot start the observer thread"};
  }
  return observer;
}

Observer::Observer(Fd listener, Fd wake, Config config)
    : listener_(std::move(listener)), wake_(std::move(wake)), config_(std::move(config)) {}

Observer::~Observer() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void Observer::serve() {
  // Signals for hermetic go to the main thread (the relay).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);

  const call_uses::Decoder decoder;
  std::set<call_uses::Use>
      seen;  // one line per distinct use: a run opens the same files many times
  bool target_exec_seen = false;
  unotify::Notification notification;
  for (;;) {
    std::array<pollfd, 2> fds{pollfd{listener_.get(), POLLIN, 0}, pollfd{wake_.get(), POLLIN, 0}};
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) return;  // POLLHUP: no process uses the filter any more
    const int err = unotify::receive(listener_.get(), notification);
    if (err == ENOENT || err == EINTR) continue;
    if (err != 0) return;
    const seccomp_notif& n = notification.get();
    for (auto& use : decoder.uses_of(n)) {
      // hermetic's own exec of the target is the run itself, not a use of a capability.
      if (use.operation == "exec" && !target_exec_seen &&
          static_cast<pid_t>(n.pid) == config_.target) {
        target_exec_seen = true;
        continue;
      }
      if (!seen.insert(use).second) continue;
      const std::string program = program_of(static_cast<pid_t>(n.pid));
      report::Event event;
      event.capability = use.capability;
      event.operation = use.operation;
      event.decision = "observed";
      event.layer = "supervisor";
      event.pid = static_cast<long>(n.pid);
      event.program = program;
      event.path = use.path;
      event.path2 = use.path2;
      event.address = use.address;
      event.port = use.port;
      (void)report::append(config_.report_path.c_str(), event);
    }
    // Observation only: the kernel runs the call as made (observer.hpp says why that is right
    // here).
    (void)unotify::let_run(listener_.get(), n.id);
  }
}

}  // namespace hermetic::observer
