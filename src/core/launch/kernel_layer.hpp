// The kernel layer of a policy, prepared before fork and applied in one async-signal-safe pass:
// no_new_privs, then each Landlock layer, then the seccomp filter (last, so that the filter
// never has to allow the Landlock syscalls).
#pragma once

#include <string>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/policy.hpp"
#include "hermetic/probe.hpp"
#include "hermetic/result.hpp"
#include "landlock/fs_layers.hpp"
#include "landlock/landlock.hpp"
#include "seccomp/seccomp_filter.hpp"
#include "seccomp/syscall_rules.hpp"
#include "target/exec_allow.hpp"

namespace hermetic {

// The kernel layer of one run as data, before anything is opened: what --explain prints and
// what prepare() builds. Landlock layers are applied in this order; each only narrows.
struct KernelPlan {
  std::vector<landlock::Layer> landlock_layers;
  std::vector<syscall_rules::Rule> seccomp_rules;
};

// `exec_files` are the files the target may exec (see exec_chain); with block_subprocess,
// nothing else can be exec'd but `exec_allowed` (the resolved --allow-exec list, exec_allow.hpp).
// Empty when applying to a running process: then no exec at all but `exec_allowed`.
// `fs` are the facts --fs-readonly needs (ignored without it). `supervision`: whether a
// supervisor outside the sandbox will serve the filter (syscall_rules::rules_for); `reporting`,
// whether the run writes a --report (syscall_rules::Reporting).
[[nodiscard]] KernelPlan plan_kernel_layer(
    const Policy& policy, const std::vector<std::string>& exec_files,
    const std::vector<exec_allow::Grant>& exec_allowed, const fs_layers::Inputs& fs,
    const KernelFeatures& features, syscall_rules::Supervision supervision,
    syscall_rules::Reporting reporting = syscall_rules::Reporting::off);

class PreparedKernelLayer {
 public:
  // Builds every Landlock ruleset (opening the rule paths) and compiles the seccomp filter.
  // Fails closed, naming the missing kernel feature.
  [[nodiscard]] static Result<PreparedKernelLayer> prepare(const KernelPlan& plan,
                                                           const KernelFeatures& features);
  // The same, with the seccomp part (program, exec token, rules) of `filter_of`, which was
  // prepared from a plan with the same seccomp rules: only the Landlock rulesets are built (a
  // forked test's kernel part, whose writable places change from test to test).
  [[nodiscard]] static Result<PreparedKernelLayer> prepare_landlock(
      const KernelPlan& plan, const KernelFeatures& features, const PreparedKernelLayer& filter_of);

  // Applies every step to the calling process. On failure returns the errno and sets
  // `failed_step` to a static string naming the step. When the filter has supervised rules
  // (see needs_supervisor) `listener` must be given and receives the notification fd.
  // Async-signal-safe.
  [[nodiscard]] int apply(bool all_threads, const char** failed_step,
                          int* listener = nullptr) const noexcept;

  // True when some seccomp rule is answered by a supervisor (see supervisor.hpp).
  [[nodiscard]] bool needs_supervisor() const { return needs_supervisor_; }
  // The seccomp rules of the filter, for the supervisor's decoder.
  [[nodiscard]] const std::vector<syscall_rules::Rule>& seccomp_rules() const { return rules_; }

  // Execs the target after apply(): the one exec the filter lets through (it carries the exec
  // token; see seccomp_filter::ExecToken). Returns only on failure, with the errno.
  // Async-signal-safe.
  [[nodiscard]] int exec(const char* path, char* const* argv, char* const* envp) const noexcept;

  // Wipes the exec token, and the compiled filter that holds it, from this process's memory:
  // for a hermetic process that outlives the target's exec, whose memory the target must not
  // find the token in (a core dump, say). exec() must not be called afterwards.
  void forget_exec_token() noexcept;

 private:
  // One ruleset per layer of `plan` (prepare and prepare_landlock).
  [[nodiscard]] Status build_landlock(const KernelPlan& plan, const KernelFeatures& features);

  std::vector<Fd> landlock_rulesets_;
  std::vector<std::string> landlock_purposes_;
  seccomp_filter::Program seccomp_program_;
  std::vector<syscall_rules::Rule> rules_;
  bool needs_supervisor_ = false;
  seccomp_filter::ExecToken exec_token_;
};

}  // namespace hermetic
