// A classic-BPF interpreter for seccomp filters, for tests: it runs an exported program over a
// seccomp_data the way the kernel would, so a compiled filter can be checked against the rule
// table without installing it. Only what the kernel's seccomp checker accepts is run; anything
// else (an unknown opcode, a load outside seccomp_data, a jump past the end, a read of scratch
// memory never written, a division by zero) is an error, so the test fails instead of guessing.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <span>
#include <string>
#include <variant>

namespace hermetic::bpf_eval {

struct Fault {
  std::string what;  // which instruction, and why it cannot run
};

// The value of the RET the program reaches (SECCOMP_RET_* | data), or why it cannot run.
using Outcome = std::variant<std::uint32_t, Fault>;

[[nodiscard]] Outcome run(std::span<const sock_filter> program, const seccomp_data& data);

}  // namespace hermetic::bpf_eval
