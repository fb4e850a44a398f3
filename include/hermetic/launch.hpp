// What a Policy needs from the kernel, what a run under it would do (explain), and applying it to
// the calling process itself (apply_to_self). Running a program under it: spawn.hpp.
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

// What spawn() (and the hermetic executable) would do, as text: the resolved target and its
// exec chain, the environment it would get, each Landlock layer with its handled rights and
// path rules, and the seccomp rules.
// Runs nothing and creates nothing (the private TMPDIR is shown by its template). `report_path`:
// a --report file (absolute), shown with the rule that lets the target append to it.
[[nodiscard]] Result<std::string> explain(const Policy& policy,
                                          const std::vector<std::string>& argv,
                                          const std::string& report_path = {});

// --block-native's kernel part for a program that is already running: no new executable
// memory, from now on, in every thread (a seccomp filter installed with
// SECCOMP_FILTER_FLAG_TSYNC, which also sets no_new_privs on every thread). Irreversible. (Not
// part of apply_to_self or spawn(): the ELF loader needs executable mappings to start a
// program.)
[[nodiscard]] Status deny_native_code_in_self();

// Applies the kernel layer of `policy` to the calling process, irreversibly, in this order:
//  1. prctl(PR_SET_NO_NEW_PRIVS): on the calling thread.
//  2. Each Landlock layer (fs_readonly, fs_root, allow_write, allow_read; network scopes):
//     landlock_restrict_self() with no flags, which restricts the CALLING THREAD ONLY. Threads
//     that already exist are not restricted by Landlock; threads and processes the calling
//     thread creates afterwards inherit its domain. (Linux's LANDLOCK_RESTRICT_SELF_TSYNC, which
//     would restrict every thread, is not used.) So call it before starting other threads, or
//     from the thread whose file accesses must be confined.
//  3. The seccomp filter (network, subprocess and the filesystem's metadata calls), installed
//     with SECCOMP_FILTER_FLAG_TSYNC: EVERY THREAD of the process gets it, atomically, and the
//     kernel sets no_new_privs on each of them. If some thread cannot take it (it has a seccomp
//     filter of its own that is not an ancestor of the caller's), nothing of this step is
//     applied and an Error is returned, with steps 1-2 already done.
// What apply_to_self cannot do: rules answered by a supervisor (allow_localhost, allow_domain
// and resolve; an Error says so), the run's private TMPDIR and the environment scrub (nothing
// is exec'd), --trace lines of kernel-level refusals, and the Python-only flags
// (block_code_exec, deny_imports, block_native's import part, block_interpreter_mutation), which
// only the in-process layer enforces. The filesystem reads a read root (fs_root) lets through
// are those of the running executable, /proc/self/exe. Changes nothing else in the process: no
// fork, no signal, environment or dumpable change.
[[nodiscard]] Status apply_to_self(const Policy& policy);

}  // namespace hermetic
