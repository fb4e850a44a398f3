// The kernel layer for a forked child of a long-lived process (the pytest plugin's per-test
// isolation), with the supervisor its supervised rows need running in the parent: the process
// that forked stays outside the sandbox and serves the child's network exceptions
// (allow_localhost, allow_domains, allow_connect, allow_bind) and --fs-readonly's metadata calls
// (chmod, utime, ... in writable places) with the very supervisor the CLI runs.
//
//   parent, before fork:  Prepared::prepare (once per policy: Landlock rulesets opened, BPF
//                         compiled, allowed names looked up), then Handoff::open
//   child, after fork:    Handoff::child_enter: no_new_privs, Landlock, seccomp; a supervised
//                         filter's listener goes to the parent (pidfd_getfd: sendmsg is trapped
//                         by that very filter) and is closed here once the parent has it
//   parent, after fork:   Handoff::parent_supervise -> Supervision, which serves the child from a
//                         thread of its own (its pool starts at the child's first supervised
//                         call) until it is destroyed, after the child has been reaped.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/policy.hpp"
#include "hermetic/probe.hpp"
#include "hermetic/result.hpp"
#include "launch/kernel_layer.hpp"
#include "supervisor/listener_handoff.hpp"
#include "supervisor/supervisor.hpp"
#include "target/exec_allow.hpp"

namespace hermetic::forked_isolation {

// Whether a filter this process installs may have a listener: the kernel refuses a second
// listener in one filter chain (EBUSY), as when this process runs under a hermetic command that
// supervises. Tried once in a throwaway child (a fork that installs an allow-all filter).
[[nodiscard]] bool listener_available();

class Prepared {
 public:
  // The kernel layer of `policy` for a process that forks and applies it in the child (no exec:
  // exec of other programs is limited as apply_to_self limits it). `policy.allow_write` must
  // hold every place the child may write (a test's tmp_path, its TMPDIR). Fails closed naming
  // what this kernel lacks.
  [[nodiscard]] static Result<std::shared_ptr<const Prepared>> prepare(const Policy& policy);

  // This kernel part with `extra` (existing paths: a test's tmp_path and TMPDIR) writable too:
  // only the Landlock rulesets are built again; the compiled filter and the looked-up names are
  // this one's.
  [[nodiscard]] Result<std::shared_ptr<const Prepared>> with_writable(
      const std::vector<std::string>& extra) const;

  [[nodiscard]] bool needs_supervisor() const { return kernel_.needs_supervisor(); }
  [[nodiscard]] bool blocks_subprocess() const { return blocks_subprocess_; }
  [[nodiscard]] const PreparedKernelLayer& kernel() const { return kernel_; }
  // A supervisor's configuration; its refusal lines go to `log_fd` (-1: none).
  [[nodiscard]] supervisor::Config supervisor_config(int log_fd) const;

 private:
  Prepared(PreparedKernelLayer kernel, supervisor::Config config, Policy policy,
           KernelFeatures features, std::vector<exec_allow::Grant> exec_allowed)
      : kernel_(std::move(kernel)),
        config_(std::move(config)),
        blocks_subprocess_(policy.block_subprocess),
        policy_(std::move(policy)),
        features_(features),
        exec_allowed_(std::move(exec_allowed)) {}
  PreparedKernelLayer kernel_;
  supervisor::Config config_;
  bool blocks_subprocess_;
  // What with_writable plans again from.
  Policy policy_;
  KernelFeatures features_;
  std::vector<exec_allow::Grant> exec_allowed_;
};

// Serves one child's listener; destroying it stops every thread (calls still trapped then fail
// with ENOSYS: fail closed). Destroy it after the child has exited.
class Supervision {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Supervision>> start(Fd listener,
                                                                  supervisor::Config config,
                                                                  pid_t child);
  ~Supervision();
  Supervision(const Supervision&) = delete;
  Supervision& operator=(const Supervision&) = delete;
  Supervision(Supervision&&) = delete;
  Supervision& operator=(Supervision&&) = delete;

 private:
  Supervision() = default;
  void wait_for_first_call();  // the waiter thread: starts the pool at the first call
  std::unique_ptr<supervisor::Supervisor> supervisor_;
  int listener_ = -1;  // owned by supervisor_
  Fd pidfd_;           // the child: readable once it has exited
  Fd wake_;            // eventfd: readable once this is being destroyed
  std::thread waiter_;
};

// One fork's handoff of the listener. Made in the parent before fork; each process then uses its
// own side.
class Handoff {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Handoff>> open(std::shared_ptr<const Prepared> prep);

  // Child: applies the kernel layer to this process (one thread, right after fork) and, when
  // supervised, hands the listener over and waits for the parent to hold it. Returns 0 or an
  // errno with `step` naming what failed; on failure the parent's parent_supervise returns no
  // supervision. Async-signal-safe.
  [[nodiscard]] int child_enter(const char** step) noexcept;

  // Parent: closes the child's ends and, when supervised, takes the child's listener and starts
  // serving it. A null Supervision when nothing needs serving or the child failed before it had
  // a listener (its own report says why). An Error: the child must be killed (its supervised
  // calls would never be answered).
  [[nodiscard]] Result<std::unique_ptr<Supervision>> parent_supervise(pid_t child, int log_fd);

  [[nodiscard]] const Prepared& prepared() const { return *prepared_; }

 private:
  explicit Handoff(std::shared_ptr<const Prepared> prep) : prepared_(std::move(prep)) {}
  std::shared_ptr<const Prepared> prepared_;
  listener_handoff::Channel channel_;
};

}  // namespace hermetic::forked_isolation
