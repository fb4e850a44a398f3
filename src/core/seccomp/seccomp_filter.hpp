// seccomp-bpf through libseccomp: syscall_rules are compiled to a BPF program before fork;
// installing it afterwards is one async-signal-safe syscall.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

#include "hermetic/result.hpp"
#include "seccomp/syscall_rules.hpp"

namespace hermetic::seccomp_filter {

using Program = std::vector<sock_filter>;

// The secret that lets exactly one exec through the `not_exec_token` rule: hermetic's own
// execveat of the target. It rides in the register bits the kernel ignores (the upper halves
// of execveat's int arguments dirfd and flags), so the call itself is an ordinary
// execveat(AT_FDCWD, path, argv, envp, 0). It lives in hermetic's memory only: the target's
// exec replaces that memory, and the filter cannot be read back from inside the sandbox.
struct ExecToken {
  std::uint64_t dirfd = 0;  // AT_FDCWD in the low half
  std::uint64_t flags = 0;  // 0 in the low half

  // A fresh random token (getrandom); an Error if the kernel gives no randomness.
  [[nodiscard]] static Result<ExecToken> generate();
};

// Tells libseccomp what the kernel supports instead of letting it probe (about ten seccomp()
// calls on the first filter of a process): SECCOMP_RET_KILL_PROCESS and, with `user_notif`,
// user notification. Only for facts the caller has probed itself (see probe_kernel_for);
// libseccomp then only compiles, and hermetic installs the program itself.
void assume_kernel_api(bool user_notif);

// A filter that allows everything except `rules`. Calls of any ABI other than the native one
// (i386 `int $0x80`, x32 numbers on x86_64) kill the process: a filter keyed on native syscall
// numbers would let them through.
// `token` is what `not_exec_token` rules let through. `arch` (an SCMP_ARCH_* token; 0 is
// SCMP_ARCH_NATIVE) compiles the filter for another architecture instead, with each syscall
// resolved by name in that architecture's table (tests/core checks aarch64's on any machine);
// a syscall the architecture lacks (aarch64 has no fork, open, chmod) gets no row there.
[[nodiscard]] Result<Program> compile(const std::vector<syscall_rules::Rule>& rules,
                                      const ExecToken& token = {}, std::uint32_t arch = 0);

// Installs the program. `all_threads` synchronises every thread of the process (sealed mode in
// a running interpreter). With `listener`, the filter gets a user-notification fd (stored there,
// O_CLOEXEC) for the supervisor. Needs no_new_privs. Returns 0 or an errno; async-signal-safe.
[[nodiscard]] int install(const Program& program, bool all_threads,
                          int* listener = nullptr) noexcept;

}  // namespace hermetic::seccomp_filter
