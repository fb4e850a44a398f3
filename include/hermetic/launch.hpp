// Running a program under a Policy: the kernel layer is applied in a child, which then execs
// the target; the caller waits and mirrors the target's exit status.
#pragma once

#include <string>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/probe.hpp"
#include "hermetic/result.hpp"

namespace hermetic {

// Exit codes of the hermetic executable beyond the target's own status.
namespace exit_code {
inline constexpr int kError = 1;  // hermetic's own error (bad path, missing kernel feature)
inline constexpr int kUsage = 2;  // bad command line; also a blocked action (in-process)
inline constexpr int kNotExecutable = 126;
inline constexpr int kNotFound = 127;
}  // namespace exit_code

// Why a requested rule cannot be enforced by this build/kernel; empty when all is enforceable.
[[nodiscard]] Status check_enforceable(const Policy& policy);
// The same with features already probed (probe_kernel_for(policy) or probe_kernel()).
[[nodiscard]] Status check_enforceable(const Policy& policy, const KernelFeatures& features);

// Runs argv[0] (looked up on PATH) under `policy`. When nothing must outlive the exec (no
// supervisor, no hosts file; a private TMPDIR goes to a detached cleaner) this process applies
// the policy to itself and becomes the target: the call does not return. Otherwise it forks,
// applies `policy` to the child, execs there and waits. Returns the status to exit with, or an
// Error when hermetic itself failed before the target ran. A target killed by a signal makes
// this process die of the same signal.
[[nodiscard]] Result<int> run(const Policy& policy, const std::vector<std::string>& argv);

// What run() would do, as text: the resolved target and its exec chain, the environment it
// would get, each Landlock layer with its handled rights and path rules, and the seccomp rules.
// Runs nothing and creates nothing (the private TMPDIR is shown by its template).
[[nodiscard]] Result<std::string> explain(const Policy& policy,
                                          const std::vector<std::string>& argv);

// --block-native's kernel part for a program that is already running: no new executable
// memory in any thread, from now on. Irreversible. (Not part of apply_to_self or run(): the
// ELF loader needs executable mappings to start a program.)
[[nodiscard]] Status deny_native_code_in_self();

// Applies the kernel layer of `policy` to the calling process (all threads). Irreversible.
[[nodiscard]] Status apply_to_self(const Policy& policy);

}  // namespace hermetic
