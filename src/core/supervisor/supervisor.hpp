// The supervisor: answers the seccomp notifications of a sandboxed process tree from threads in
// the hermetic process (outside the sandbox). A "supervise" rule's call is decided on its copied
// address (supervisor_calls.hpp) or, for a metadata call of --fs-readonly, on its resolved object
// (supervisor_metadata.hpp), and performed here; a "trace" rule's call is logged and refused.
// Under --report, a "deny_reported" rule's call is written to the report and refused, and a
// "landlock_reported" rule's call is written when Landlock will refuse it, then let run
// (landlock_report.hpp).
//
// Threads: none until the target's first notification (serve_from_first_call): a run whose
// programs never make a supervised call (a Python start-up under --fs-readonly makes none) pays
// for no thread. From then on a leader/followers pool. One thread (the leader) waits for the next
// notification and answers it itself; waking another thread per call would cost more than most
// calls. A call that may block (a socket without O_NONBLOCK) is marked, and when it is still
// running after kStallLimit a watchdog passes the lead to an idle thread (spawning one if none is
// idle, up to a cap), so a slow blocking connect holds up the calls behind it for milliseconds at
// most.
//
// Fail closed: if this object (or the whole hermetic process) goes away, the kernel fails every
// trapped call of the target with ENOSYS; nothing is let through.
#pragma once

#include <linux/seccomp.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/result.hpp"
#include "landlock/fs_judge.hpp"
#include "landlock/landlock.hpp"
#include "policy/address_policy.hpp"
#include "seccomp/syscall_rules.hpp"
#include "supervisor/call_uses.hpp"
#include "supervisor/supervisor_calls.hpp"
#include "supervisor/supervisor_metadata.hpp"

namespace hermetic::supervisor {

struct Config {
  std::vector<syscall_rules::Rule> rules;  // the filter's rules; only trace/supervise are used
  address_policy::Rules addresses;
  bool fs_readonly = false;
  metadata::WritablePlaces writable;  // where --fs-readonly's metadata calls are performed
  bool trace = false;                 // one stderr line per refusal
  std::string report_path;            // --report: one line per refusal there (refusal_report)
  // The run's Landlock layers, for the "landlock_reported" rules (the supervisor judges what
  // Landlock will refuse against them), and the running Landlock ABI.
  std::vector<landlock::Layer> landlock_layers;
  int landlock_abi = 0;
  // Where the refusal lines go: the CLI's stderr; the pytest plugin's pipe (forked_isolation),
  // whose lines join the test's report. -1: nowhere.
  int log_fd = STDERR_FILENO;
};

class Supervisor {
 public:
  // Takes `listener` (a SECCOMP_FILTER_FLAG_NEW_LISTENER fd), not yet serving it: notifications
  // wait in the kernel until serve_from_first_call starts the threads.
  [[nodiscard]] static Result<std::unique_ptr<Supervisor>> start(Fd listener, Config config);

  // Waits, in the calling thread, for the first notification or for `pidfd` (the target) to
  // exit, whichever comes first; at a notification starts the pool, which serves every call from
  // then on, and returns at once. An Error when no thread could be started: the waiting call
  // would never be answered, so the caller must end the target (fail closed).
  [[nodiscard]] Status serve_from_first_call(int pidfd);

  // Stops: wakes the waiting thread, aborts calls in flight, joins every thread. Calls still
  // trapped afterwards fail with ENOSYS.
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  Supervisor(Supervisor&&) = delete;
  Supervisor& operator=(Supervisor&&) = delete;

 private:
  struct Resolved {
    int nr;
    syscall_rules::Rule rule;
  };

  Supervisor(Fd listener, Fd wake, Config config);
  void serve();  // the loop of one pool thread
  void watch();  // the watchdog's loop
  void handle(const seccomp_notif& notification, const MayBlock& may_block) const;
  [[nodiscard]] bool spawn_locked();     // false when no thread could be started
  [[nodiscard]] Status start_threads();  // the first pool thread and the watchdog
  void log_refusal(const syscall_rules::Rule& rule, const Reply& reply) const;
  // --report's rules: the lines of a call refused in BPF's stead, and of one Landlock decides.
  void report_denied(const syscall_rules::Rule& rule, const seccomp_notif& notification) const;
  void report_landlock(const seccomp_notif& notification) const;
  void trace_reported(std::string_view capability, std::string_view operation,
                      const std::string& path) const;

  Fd listener_;
  Fd wake_;  // eventfd: readable once stopping
  Config config_;
  std::vector<Resolved> resolved_;
  InFlight in_flight_;
  CallEnv env_;
  std::optional<call_uses::Decoder> decoder_;        // with --report's rules only
  std::optional<fs_judge::Judge> judge_;             // with "landlock_reported" rules only
  mutable std::array<std::atomic<bool>, 2> said_{};  // without --trace: network, filesystem

  std::mutex mutex_;
  std::condition_variable leader_free_;
  std::condition_variable watchdog_wake_;
  bool leader_taken_ = false;
  bool leader_busy_ = false;      // the leader is in a call that may block
  std::uint64_t busy_calls_ = 0;  // numbers those calls, so the watchdog tells one from the next
  bool watchdog_armed_ = false;   // the watchdog ticks only while blocking calls happen
  bool stopping_ = false;
  int idle_ = 0;
  int threads_count_ = 0;
  std::list<std::thread> threads_;  // last: joined in ~Supervisor before the members above go
};

}  // namespace hermetic::supervisor
