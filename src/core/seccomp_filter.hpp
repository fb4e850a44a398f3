// seccomp-bpf through libseccomp: syscall_rules are compiled to a BPF program before fork;
// installing it afterwards is one async-signal-safe syscall.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "hermetic/result.hpp"
#include "syscall_rules.hpp"

namespace hermetic::seccomp_filter {

using Program = std::vector<sock_filter>;

// A filter that allows everything except `rules`. Calls of any ABI other than the native one
// (i386 `int $0x80`, x32 numbers on x86_64) kill the process: a filter keyed on native syscall
// numbers would let them through.
[[nodiscard]] Result<Program> compile(const std::vector<syscall_rules::Rule>& rules);

// Installs the program. `all_threads` synchronises every thread of the process (sealed mode in
// a running interpreter). With `listener`, the filter gets a user-notification fd (stored there,
// O_CLOEXEC) for the supervisor. Needs no_new_privs. Returns 0 or an errno; async-signal-safe.
[[nodiscard]] int install(const Program& program, bool all_threads,
                          int* listener = nullptr) noexcept;

}  // namespace hermetic::seccomp_filter
