// The supervisor: answers the seccomp notifications of a sandboxed process tree from threads in
// the hermetic process (outside the sandbox). A "supervise" rule's call is decided on its copied
// address (supervisor_calls.hpp) or, for a metadata call of --fs-readonly, on its resolved object
// (supervisor_metadata.hpp), and performed here; a "trace" rule's call is logged and refused.
//
// Threads: a leader/followers pool. One thread (the leader) waits for the next notification and
// answers it itself; waking another thread per call would cost more than most calls. A call that
// may block (a socket without O_NONBLOCK) is marked, and when it is still running after
// kStallLimit a watchdog passes the lead to an idle thread (spawning one if none is idle, up to a
// cap), so a slow blocking connect holds up the calls behind it for milliseconds at most.
//
// Fail closed: if this object (or the whole hermetic process) goes away, the kernel fails every
// trapped call of the target with ENOSYS; nothing is let through.
#pragma once

#include <linux/seccomp.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/result.hpp"
#include "policy/address_policy.hpp"
#include "seccomp/syscall_rules.hpp"
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
};

class Supervisor {
 public:
  // Starts serving `listener` (a SECCOMP_FILTER_FLAG_NEW_LISTENER fd).
  [[nodiscard]] static Result<std::unique_ptr<Supervisor>> start(Fd listener, Config config);

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
  [[nodiscard]] bool spawn_locked();  // false when no thread could be started
  void log_refusal(const syscall_rules::Rule& rule, const Reply& reply) const;

  Fd listener_;
  Fd wake_;  // eventfd: readable once stopping
  Config config_;
  std::vector<Resolved> resolved_;
  InFlight in_flight_;
  CallEnv env_;
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
