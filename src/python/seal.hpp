// sealed=True: the kernel layer for the in-process policy. Only the parts the core can enforce
// today are applied (see kernel_part); every other capability stays in-process only.
#pragma once

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"
#include "policy_stack.hpp"

namespace hermetic::inproc::seal {

// The kernel-enforceable part of a snapshot:
// - block_network when some level allows no destination at all (with allow_localhost or
//   allow_domains on every blocking level the kernel would have to decide per address, which
//   the supervisor of the kernel layer does not do yet: in-process only for now);
// - block_subprocess.
[[nodiscard]] Policy kernel_part(const Snapshot& snapshot);

// Applies kernel_part(snapshot) to the whole process with hermetic::apply_to_self: seccomp
// with TSYNC reaches every existing thread; Landlock layers (the exec limit of
// block_subprocess, the abstract-unix-socket scope) bind only the calling thread and the
// threads and children it creates afterwards. Irreversible.
[[nodiscard]] Status apply_kernel(const Snapshot& snapshot);

// Whether the kernel layer stops new processes in this process (a sealed policy applied it, or
// the hermetic CLI did before exec). Then a fresh import of _posixsubprocess is harmless: its
// fork_exec fails in the kernel, and `import subprocess` need not be paid for up front.
[[nodiscard]] bool kernel_blocks_subprocess() noexcept;
void note_kernel_blocks_subprocess() noexcept;

}  // namespace hermetic::inproc::seal
