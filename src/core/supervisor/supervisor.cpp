#include "supervisor/supervisor.hpp"

#include <poll.h>
#include <seccomp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iterator>
#include <string>
#include <system_error>

#include "hermetic/report_lines.hpp"
#include "supervisor/landlock_report.hpp"
#include "supervisor/refusal_report.hpp"
#include "supervisor/unotify.hpp"

namespace hermetic::supervisor {
namespace {

// Enough for many slow connects at once; beyond it calls queue in the kernel.
constexpr int kMaxThreads = 64;
// How long a call may hold the lead before the watchdog passes it on, and how many quiet
// periods (no call that may block) before the watchdog stops ticking.
constexpr auto kStallLimit = std::chrono::milliseconds(2);
constexpr int kQuietPeriods = 500;

enum class Wait { notification, retry, stop };

// Waits for a notification or the stop signal, then receives it. Only the leader calls this,
// so a readable listener always has a notification for it (or one whose caller just died).
Wait wait_and_receive(int listener, int wake, unotify::Notification& notification) {
  std::array<pollfd, 2> fds{pollfd{listener, POLLIN, 0}, pollfd{wake, POLLIN, 0}};
  if (poll(fds.data(), fds.size(), -1) < 0) return errno == EINTR ? Wait::retry : Wait::stop;
  if (fds[1].revents != 0) return Wait::stop;
  if ((fds[0].revents & POLLIN) != 0) {
    const int err = unotify::receive(listener, notification);
    if (err == 0) return Wait::notification;
    return (err == ENOENT || err == EINTR) ? Wait::retry : Wait::stop;
  }
  // POLLHUP: no process uses the filter any more; POLLERR/POLLNVAL: the listener is unusable.
  return Wait::stop;
}

std::string family_name(std::uint64_t family) {
  const std::string_view name = socket_family_name(static_cast<long>(family));
  return name.empty() ? std::to_string(family) : std::string(name);
}

// A refused call of a "trace" rule, as --trace prints it: socket(AF_INET6), io_uring_setup().
std::string describe_traced(const syscall_rules::Rule& rule, const seccomp_notif& n) {
  if (rule.syscall == "socket") return "socket(" + family_name(n.data.args[0]) + ")";
  return std::string(rule.syscall) + "()";
}

// Why a "trace" rule refused, when the call alone does not say: a socket() refused for its
// type or protocol, a setsockopt() for its option. A refused family speaks for itself.
std::string_view traced_why(const syscall_rules::Rule& rule) {
  const bool family_rule = rule.test == syscall_rules::ArgTest::arg0_not_equal ||
                           rule.test == syscall_rules::ArgTest::arg0_not_in;
  return rule.syscall == "socket" && family_rule ? std::string_view{} : rule.why;
}

void block_all_signals() {
  // Signals for hermetic go to the main thread (the relay); a handler run on a pool thread would
  // interrupt a connect made for the target and make it restart as EALREADY.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
}

}  // namespace

Result<std::unique_ptr<Supervisor>> Supervisor::start(Fd listener, Config config) {
  Fd wake(eventfd(0, EFD_CLOEXEC));
  if (!wake) return Error{std::string("eventfd: ") + std::strerror(errno)};
  unotify::prefer_sync_wake_up(listener.get());
  // make_unique cannot reach the private constructor; unique_ptr owns it from here on.
  std::unique_ptr<Supervisor> supervisor(
      new Supervisor(std::move(listener), std::move(wake), std::move(config)));  // NOLINT
  for (const auto& rule : supervisor->config_.rules) {
    if (rule.action == syscall_rules::Action::deny) continue;
    int nr = seccomp_syscall_resolve_name(std::string(rule.syscall).c_str());
    // As seccomp_filter::compile: a syscall newer than libseccomp has its number in the table.
    if (nr == __NR_SCMP_ERROR) nr = rule.number_if_unknown;
    if (nr == __NR_SCMP_ERROR)
      return Error{"supervisor: unknown syscall " + std::string(rule.syscall)};
    if (nr < 0) continue;  // libseccomp's marker for a syscall this architecture lacks (chmod)
    supervisor->resolved_.push_back({nr, rule});
    if (rule.action == syscall_rules::Action::deny_reported ||
        rule.action == syscall_rules::Action::landlock_reported) {
      if (!supervisor->decoder_) supervisor->decoder_.emplace();
    }
    if (rule.action == syscall_rules::Action::landlock_reported && !supervisor->judge_) {
      supervisor->judge_.emplace(supervisor->config_.landlock_layers,
                                 supervisor->config_.landlock_abi);
    }
  }
  return supervisor;
}

Status Supervisor::start_threads() {
  const std::lock_guard lock(mutex_);
  if (!spawn_locked()) return Error{"supervisor: cannot start a thread"};
  try {
    threads_.emplace_back([this] { watch(); });
  } catch (const std::system_error&) {
    return Error{"supervisor: cannot start the watchdog thread"};
  }
  return Ok{};
}

Status Supervisor::serve_from_first_call(int pidfd) {
  // Two threads cost a start-up ~0.4 ms of CPU on a 2-core VM (stacks, clone, their first
  // wake-up, the joins at the end), for runs that mostly never need them.
  std::array<pollfd, 2> fds{pollfd{listener_.get(), POLLIN, 0}, pollfd{pidfd, POLLIN, 0}};
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;  // a signal the relay forwarded
      break;                         // cannot wait here: serve from threads, as if a call had come
    }
    // The target has exited, or no process uses the filter any more (POLLHUP without POLLIN):
    // nothing is waiting for an answer. What the target left running is killed next
    // (end_leftovers); a call it makes meanwhile waits, killable, for that.
    if (fds[1].revents != 0 || (fds[0].revents & POLLIN) == 0) return Ok{};
    break;
  }
  return start_threads();
}

Supervisor::Supervisor(Fd listener, Fd wake, Config config)
    : listener_(std::move(listener)),
      wake_(std::move(wake)),
      config_(std::move(config)),
      env_{config_.addresses, config_.fs_readonly, in_flight_} {}

Supervisor::~Supervisor() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(wake_.get(), &one, sizeof one);
  leader_free_.notify_all();
  watchdog_wake_.notify_all();
  in_flight_.abort_all();
  std::list<std::thread> threads;
  {
    const std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
}

bool Supervisor::spawn_locked() {
  if (stopping_ || threads_count_ >= kMaxThreads) return false;
  try {
    threads_.emplace_back([this] { serve(); });
  } catch (const std::system_error&) {
    return false;  // the pool stays as it is; calls wait for a free thread
  }
  ++threads_count_;
  return true;
}

void Supervisor::serve() {
  block_all_signals();
  unotify::Notification notification;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      leader_free_.wait(lock, [this] { return stopping_ || !leader_taken_; });
      --idle_;
      if (stopping_) return;
      leader_taken_ = true;
    }
    // Lead: receive and answer, until the watchdog passes the lead on during a call that
    // blocked (see kStallLimit).
    bool leading = true;
    std::uint64_t my_call = 0;  // the number of this leader's marked call, 0 when none
    const MayBlock mark_busy = [this, &my_call] {
      const std::lock_guard lock(mutex_);
      leader_busy_ = true;
      my_call = ++busy_calls_;
      if (!watchdog_armed_) {
        watchdog_armed_ = true;
        watchdog_wake_.notify_one();
      }
    };
    while (leading) {
      const Wait got = wait_and_receive(listener_.get(), wake_.get(), notification);
      if (got == Wait::stop) {  // stopped, or no process is left to serve
        {
          const std::lock_guard lock(mutex_);
          leader_taken_ = false;
          stopping_ = true;
        }
        leader_free_.notify_all();
        watchdog_wake_.notify_all();
        return;
      }
      if (got != Wait::notification) continue;
      handle(notification.get(), mark_busy);
      if (my_call != 0) {
        const std::lock_guard lock(mutex_);
        if (leader_busy_ && busy_calls_ == my_call) {
          leader_busy_ = false;  // done in time: still the leader
        } else {
          leading = false;  // the watchdog passed the lead on meanwhile: follow
        }
        my_call = 0;
      }
    }
  }
}

void Supervisor::watch() {
  block_all_signals();
  std::unique_lock lock(mutex_);
  int quiet = 0;
  while (!stopping_) {
    if (!watchdog_armed_) {
      watchdog_wake_.wait(lock);
      continue;
    }
    const bool was_busy = leader_busy_;
    const std::uint64_t call = busy_calls_;
    watchdog_wake_.wait_for(lock, kStallLimit);
    if (stopping_) break;
    if (was_busy && leader_busy_ && busy_calls_ == call) {
      // The same call has blocked for a whole period: the next notifications go to another
      // thread; the blocked one follows once its call returns.
      leader_busy_ = false;
      leader_taken_ = false;
      if (idle_ == 0) (void)spawn_locked();
      leader_free_.notify_one();
    }
    quiet = (busy_calls_ == call && !leader_busy_) ? quiet + 1 : 0;
    if (quiet > kQuietPeriods) {
      watchdog_armed_ = false;
      quiet = 0;
    }
  }
}

void Supervisor::handle(const seccomp_notif& n, const MayBlock& may_block) const {
  const Resolved* match = nullptr;
  std::array<std::uint64_t, 6> args{};
  std::copy(std::begin(n.data.args), std::end(n.data.args), args.begin());
  if (n.data.arch == seccomp_arch_native()) {
    for (const auto& candidate : resolved_) {
      if (candidate.nr == n.data.nr && syscall_rules::matches(candidate.rule, args)) {
        match = &candidate;
        break;
      }
    }
  }
  if (match != nullptr && match->rule.action == syscall_rules::Action::landlock_reported) {
    report_landlock(n);
    // Landlock decides this call: the kernel runs it as made. Continuing is safe here because
    // nothing was decided on what was read (landlock_report.hpp).
    (void)unotify::let_run(listener_.get(), n.id);
    return;
  }
  Reply reply;
  if (match == nullptr) {
    reply.error = EACCES;  // a notification no rule explains: refuse it
  } else if (match->rule.action == syscall_rules::Action::deny_reported) {
    // Refused whatever the call names, as the BPF row would; the line is written first, so that
    // it is in the file by the time the caller sees its error.
    reply.error = match->rule.error;
    if (match->rule.capability == syscall_rules::Capability::network) {
      // In --trace's words (socket(AF_INET6), io_uring_setup()); no stderr line: a dynamically
      // linked program's preloaded library prints its note, as without --report.
      Reply described;
      described.blocked = describe_traced(match->rule, n);
      refusal_report::write(config_.report_path, match->rule, described, static_cast<pid_t>(n.pid));
    } else {
      report_denied(match->rule, n);
    }
  } else if (match->rule.action == syscall_rules::Action::trace) {
    reply.error = match->rule.error;
    reply.blocked = describe_traced(match->rule, n);
    reply.why = traced_why(match->rule);
  } else if (match->rule.capability == syscall_rules::Capability::fs_write) {
    reply = metadata::perform(match->rule.syscall, n, listener_.get(), config_.writable);
  } else {
    reply = perform(match->rule.syscall, n, listener_.get(), env_, may_block);
  }
  if (reply.stale) return;  // the caller is gone; there is nobody to answer or report
  if (match != nullptr && !reply.blocked.empty()) {
    log_refusal(match->rule, reply);
    // The same event as data; written before the answer, so that the line is in the file by
    // the time the caller sees its error.
    if (!config_.report_path.empty()) {
      refusal_report::write(config_.report_path, match->rule, reply, static_cast<pid_t>(n.pid));
    }
  }
  // ENOENT: the caller died after the validity check; nothing to do.
  [[maybe_unused]] const int err =
      unotify::respond(listener_.get(), n.id, reply.value, reply.error);
}

void Supervisor::log_refusal(const syscall_rules::Rule& rule, const Reply& reply) const {
  if (config_.log_fd < 0) return;
  const bool network = rule.capability == syscall_rules::Capability::network;
  // Without --trace, one line per capability and run: a program that is not Python hears of the
  // refusal from nobody else (a Python target's in-process layer refuses before the kernel).
  if (!config_.trace && said_[network ? 0 : 1].exchange(true)) return;
  std::string line = std::string(kTraceLinePrefix) +
                     (network ? "network disabled: " : "filesystem mutation disabled: ") +
                     reply.blocked;
  // A refusal of where (the address, the place) names the flag that would allow it; one of how
  // (source routing, an interface) says why instead.
  const bool where = reply.why.empty() || reply.why == "address not allowed" ||
                     reply.why == "outside the writable places";
  if (!where) {
    line += " (" + std::string(reply.why) + ")";
  } else if (!config_.trace) {
    line += network ? "; --allow-domain NAME would allow a named destination"
                    : "; --allow-write PATH would allow changes under PATH";
  }
  line += "\n";
  // One write per line: lines of concurrent refusals never interleave.
  [[maybe_unused]] const auto written = ::write(config_.log_fd, line.data(), line.size());
}

void Supervisor::report_denied(const syscall_rules::Rule& rule, const seccomp_notif& n) const {
  const auto tid = static_cast<pid_t>(n.pid);
  // An exec's use names its program when the file is there: execvp's tries of PATH entries that
  // are not give no line (bare, they fail with ENOENT all the same).
  for (const auto& use : decoder_->uses_of(n)) {
    refusal_report::Parts parts;
    parts.capability = use.capability;
    parts.operation = use.operation;
    parts.path = use.path;
    parts.path2 = use.path2;
    parts.flag = refusal_report::refusing_flag(rule.capability);
    refusal_report::write(config_.report_path, "supervisor", parts, tid);
    // A dynamically linked program's fork and exec are told on stderr by the preloaded library,
    // which sees them first (as libc calls); a second line here would repeat it.
    if (rule.capability != syscall_rules::Capability::subprocess) {
      trace_reported(use.capability, use.operation, use.path);
    }
  }
}

void Supervisor::report_landlock(const seccomp_notif& n) const {
  const auto tid = static_cast<pid_t>(n.pid);
  for (const auto& use : decoder_->uses_of(n)) {
    const auto refusal = landlock_report::judge(*judge_, use, tid);
    if (!refusal) continue;
    refusal_report::Parts parts;
    parts.capability = refusal->capability;
    parts.operation = refusal->operation;
    parts.path = refusal->path;
    parts.path2 = refusal->path2;
    parts.flag = refusal->flag;
    refusal_report::write(config_.report_path, "landlock", parts, tid);
    // (An exec's stderr note is the preloaded library's, as in report_denied.)
    if (refusal->capability != "subprocess") {
      trace_reported(refusal->capability, refusal->operation, refusal->path);
    }
  }
}

void Supervisor::trace_reported(std::string_view capability, std::string_view operation,
                                const std::string& path) const {
  // Only under --trace: without it these refusals printed nothing before --report saw them.
  if (!config_.trace || config_.log_fd < 0) return;
  std::string line =
      std::string(kTraceLinePrefix) +
      (capability == "fs_read" ? "read outside the root: " : "filesystem mutation disabled: ") +
      std::string(operation) + "(" + path + ")\n";
  [[maybe_unused]] const auto written = ::write(config_.log_fd, line.data(), line.size());
}

}  // namespace hermetic::supervisor
