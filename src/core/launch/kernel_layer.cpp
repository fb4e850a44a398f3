#include "launch/kernel_layer.hpp"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "landlock/landlock.hpp"
#include "landlock/landlock_abi.hpp"
#include "seccomp/syscall_rules.hpp"

namespace hermetic {
namespace {

namespace ll = landlock::uapi;

// REFER on "/": Landlock refuses renames and links across directories in a layer that handles
// any filesystem right unless REFER is granted (ABI 2), so a layer meant to limit something else
// grants it everywhere.
landlock::PathRule refer_everywhere() {
  return {"/", ll::fs::kRefer, "renames and links as without it"};
}

// Any Landlock domain confines ptrace: a process inside cannot trace, read or write the memory
// of one outside (ptrace, /proc/PID/mem, process_vm_writev, pidfd_getfd); its own children, in
// the same domain, it still can (gdb, strace). Without a domain a --no-network target could make
// an unsandboxed process of its user connect for it, a --no-environment target read a secret
// from its memory, and any target run code outside every restriction. So every run that
// restricts anything gets a domain: when no other layer makes one, this one does, restricting
// nothing else: it handles REFER and grants it on "/".
// ABI 1 has no REFER; it handles MAKE_BLOCK instead, and like every ABI 1 layer it refuses
// renames and links across directories: there only --no-network and --no-environment take that
// cost. Without Landlock those two plan the layer all the same (its build then fails closed),
// unless Yama already forbids every attach (ptrace_scope 2 or 3); other runs go without.
landlock::Layer ptrace_confinement(int abi) {
  if (abi >= 2) {
    return {"ptrace confinement", 2, ll::fs::kRefer, 0, {refer_everywhere()}};
  }
  return {"ptrace confinement", 1, ll::fs::kMakeBlock, 0, {}};
}

// The scopes of ABI 6, in one layer. Abstract unix sockets are a network of their own (no file
// to protect them): --no-network scopes them to the sandbox. Below ABI 6 the supervisor decides
// every connect and addressed send instead (syscall_rules::AbstractScope); where no supervisor
// can either (apply_to_self), the layer is planned all the same, so that building it fails
// closed and names the missing feature. Signals are scoped whenever a hermetic process outlives the
// exec, outside the sandbox: the TMPDIR's cleaner (the target's child; a SIGKILL would leave the
// TMPDIR behind), or the waiting parent that supervises addresses or owns the hosts file (a SIGKILL
// ends the supervision; other signals could make it dump core). Older kernels lack that scope, a
// hardening only (the target can stop its cleaner). A layer that handles no filesystem right
// still refuses renames and links across directories once another layer handles one, as an ABI 1
// layer would: this one handles REFER and grants it everywhere.
std::optional<landlock::Layer> scope_layer(const Policy& policy, int abi,
                                           syscall_rules::AbstractScope abstract_scope,
                                           bool supervised) {
  if (abi < 6) {
    // The supervisor stands in for the scope where it can (syscall_rules::AbstractScope).
    if (!policy.block_network || abstract_scope == syscall_rules::AbstractScope::supervisor) {
      return std::nullopt;
    }
    return landlock::Layer{"abstract unix socket scope of --no-network",
                           6,
                           ll::fs::kRefer,
                           ll::scope::kAbstractUnixSocket,
                           {refer_everywhere()}};
  }
  std::uint64_t scopes = 0;
  std::string purpose;
  if (policy.block_network) {
    scopes |= ll::scope::kAbstractUnixSocket;
    purpose = "abstract unix socket scope";
  }
  // A TMPDIR cleaner, a supervisor, or a parent that owns the hosts file of --resolve.
  const bool outlived =
      policy.fs_readonly || policy.has_supervisor() || supervised || !policy.resolve.empty();
  if (outlived) {
    scopes |= ll::scope::kSignal;
    purpose += purpose.empty() ? "signal scope" : " and signal scope";
  }
  if (scopes == 0) return std::nullopt;
  return landlock::Layer{purpose, 6, ll::fs::kRefer, scopes, {refer_everywhere()}};
}

// The Landlock layers a policy asks for. Layers are independent: each handles only its own
// access rights, and the kernel intersects them.
std::vector<landlock::Layer> landlock_layers(
    const Policy& policy, const std::vector<std::string>& exec_files,
    const std::vector<exec_allow::Grant>& exec_allowed, const fs_layers::Inputs& fs,
    const KernelFeatures& features, syscall_rules::AbstractScope abstract_scope, bool supervised) {
  std::vector<landlock::Layer> layers;
  if (policy.block_subprocess) {
    // The target's own exec must run its chain (seccomp cannot see the path, it is in memory);
    // later execs are denied by the seccomp exec-token rule as well, unless an --allow-exec
    // list grants programs: then this layer alone decides every exec after the target's.
    // Landlock denies cross-directory rename/link in every layer that handles any fs right,
    // unless REFER is granted; grant it everywhere here so that this layer limits exec only.
    const std::uint64_t refer = features.landlock_abi >= 2 ? ll::fs::kRefer : 0;
    landlock::Layer exec_limit{"exec limit of --no-subprocess", 1, ll::fs::kExecute | refer, 0, {}};
    for (const auto& file : exec_files) {
      exec_limit.rules.push_back({file, ll::fs::kExecute, "exec chain of the target"});
    }
    for (const auto& grant : exec_allowed) {
      if (std::find(exec_files.begin(), exec_files.end(), grant.path) != exec_files.end()) {
        continue;  // the target's own, granted above
      }
      exec_limit.rules.push_back({grant.path, ll::fs::kExecute, grant.why});
    }
    if (refer != 0) exec_limit.rules.push_back(refer_everywhere());
    layers.push_back(std::move(exec_limit));
  }
  if (policy.fs_readonly) {
    for (auto& layer : fs_layers::layers(fs)) layers.push_back(std::move(layer));
  }
  if (auto scopes = scope_layer(policy, features.landlock_abi, abstract_scope, supervised))
    layers.push_back(*std::move(scopes));
  // --no-environment too: an outside process of the target's user may hold the secret in its
  // memory (the caller's shell does), and /proc/PID/mem would read it.
  const bool kernel_forbids_attach = features.landlock_abi == 0 && features.yama_forbids_attach;
  if (!layers.empty() || policy.empty()) return layers;
  if (policy.block_network || policy.block_environment) {
    if (!kernel_forbids_attach) layers.push_back(ptrace_confinement(features.landlock_abi));
  } else if (features.landlock_abi >= 2) {
    layers.push_back(ptrace_confinement(features.landlock_abi));
  }
  return layers;
}

}  // namespace

KernelPlan plan_kernel_layer(const Policy& policy, const std::vector<std::string>& exec_files,
                             const std::vector<exec_allow::Grant>& exec_allowed,
                             const fs_layers::Inputs& fs, const KernelFeatures& features,
                             syscall_rules::Supervision supervision,
                             syscall_rules::Reporting reporting) {
  // Below Landlock ABI 6 a supervisor keeps abstract unix sockets in; without one, the scope
  // layer is planned all the same and its build fails closed.
  const auto abstract_scope =
      features.landlock_abi < 6 && supervision == syscall_rules::Supervision::available
          ? syscall_rules::AbstractScope::supervisor
          : syscall_rules::AbstractScope::landlock;
  auto rules = syscall_rules::rules_for(policy, supervision, abstract_scope, reporting);
  // A supervisor that only writes --report's lines outlives the exec as one that decides does.
  const bool supervised = syscall_rules::needs_supervisor(rules);
  return {
      landlock_layers(policy, exec_files, exec_allowed, fs, features, abstract_scope, supervised),
      std::move(rules)};
}

Status PreparedKernelLayer::build_landlock(const KernelPlan& plan, const KernelFeatures& features) {
  for (const auto& layer : plan.landlock_layers) {
    auto ruleset = landlock::build(layer, features.landlock_abi);
    if (!ruleset) return ruleset.error();
    landlock_rulesets_.push_back(std::move(ruleset).value());
    landlock_purposes_.push_back(layer.purpose);
  }
  return Ok{};
}

Result<PreparedKernelLayer> PreparedKernelLayer::prepare(const KernelPlan& plan,
                                                         const KernelFeatures& features) {
  PreparedKernelLayer prepared;
  if (auto built = prepared.build_landlock(plan, features); !built) return built.error();
  const auto& rules = plan.seccomp_rules;
  if (!rules.empty()) {
    if (!features.seccomp_filter) {
      return Error{"this kernel has no seccomp filter support, needed for the requested rules"};
    }
    if (!features.seccomp_kill_process) {
      return Error{
          "this kernel has no SECCOMP_RET_KILL_PROCESS (Linux 4.14), which the filter needs for "
          "calls of a foreign ABI"};
    }
    prepared.needs_supervisor_ = syscall_rules::needs_supervisor(rules);
    if (prepared.needs_supervisor_ && (!features.seccomp_user_notif || !features.pidfd_getfd)) {
      return Error{
          "--allow-localhost, --allow-domain and --trace need seccomp user notification and "
          "pidfd_getfd (Linux 5.6 or later); this kernel lacks them"};
    }
    const bool needs_token = std::any_of(rules.begin(), rules.end(), [](const auto& rule) {
      return rule.test == syscall_rules::ArgTest::not_exec_token;
    });
    if (needs_token) {
      auto token = seccomp_filter::ExecToken::generate();
      if (!token) return token.error();
      prepared.exec_token_ = token.value();
    }
    // libseccomp need not ask the kernel again what was probed above.
    seccomp_filter::assume_kernel_api(/*user_notif=*/prepared.needs_supervisor_);
    auto program = seccomp_filter::compile(rules, prepared.exec_token_);
    if (!program) return program.error();
    prepared.seccomp_program_ = std::move(program).value();
    prepared.rules_ = rules;
  }
  return prepared;
}

Result<PreparedKernelLayer> PreparedKernelLayer::prepare_landlock(
    const KernelPlan& plan, const KernelFeatures& features, const PreparedKernelLayer& filter_of) {
  PreparedKernelLayer prepared;
  if (auto built = prepared.build_landlock(plan, features); !built) return built.error();
  prepared.seccomp_program_ = filter_of.seccomp_program_;
  prepared.rules_ = filter_of.rules_;
  prepared.needs_supervisor_ = filter_of.needs_supervisor_;
  prepared.exec_token_ = filter_of.exec_token_;
  return prepared;
}

int PreparedKernelLayer::apply(bool all_threads, const char** failed_step,
                               int* listener) const noexcept {
  if (landlock_rulesets_.empty() && seccomp_program_.empty()) return 0;
  // Without no_new_privs an unprivileged process may not install either; it also stops setuid
  // binaries from regaining what the sandbox removed.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *failed_step = "prctl(PR_SET_NO_NEW_PRIVS)";
    return errno;
  }
  for (const auto& ruleset : landlock_rulesets_) {
    if (int err = landlock::restrict_self(ruleset.get()); err != 0) {
      *failed_step = "landlock_restrict_self";
      return err;
    }
  }
  if (!seccomp_program_.empty()) {
    if (needs_supervisor_ && listener == nullptr) {
      *failed_step = "seccomp: supervised rules without a supervisor";
      return EINVAL;
    }
    if (int err = seccomp_filter::install(seccomp_program_, all_threads,
                                          needs_supervisor_ ? listener : nullptr);
        err != 0) {
      *failed_step = "seccomp(SECCOMP_SET_MODE_FILTER)";
      return err;
    }
  }
  return 0;
}

void PreparedKernelLayer::forget_exec_token() noexcept {
  explicit_bzero(&exec_token_, sizeof exec_token_);
  if (!seccomp_program_.empty()) {
    explicit_bzero(seccomp_program_.data(), seccomp_program_.size() * sizeof seccomp_program_[0]);
  }
}

int PreparedKernelLayer::exec(const char* path, char* const* argv,
                              char* const* envp) const noexcept {
  if (exec_token_.dirfd == 0) {
    ::execve(path, argv, envp);
    return errno;
  }
  syscall(SYS_execveat, exec_token_.dirfd, path, argv, envp, exec_token_.flags);
  return errno;
}

}  // namespace hermetic
