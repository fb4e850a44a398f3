// Landlock through raw syscalls. A Layer is built into a ruleset fd before fork (that allocates
// and opens paths); restricting to it afterwards is one async-signal-safe syscall. Each layer
// applied only ever narrows what is allowed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/result.hpp"

namespace hermetic::landlock {

// 0 when the kernel has no Landlock (or it is disabled at boot).
[[nodiscard]] int abi_version();

struct PathRule {
  std::string path;              // opened with O_PATH; a file or a directory
  std::uint64_t allowed_access;  // subset of the layer's handled_access_fs; for a file, the
                                 // rights that only apply to directories are dropped
  std::string why = {};          // for --explain: what needs this path
  // A system path that varies by machine (/lib32, /dev/tty, a loader-config directory): left
  // out when it does not exist, found by the open that adds the rule instead of a stat first.
  bool optional = false;
};

struct Layer {
  std::string purpose;  // for messages: "exec limit", "read-only filesystem"
  int min_abi = 1;      // fail closed below this ABI, naming the purpose
  std::uint64_t handled_access_fs = 0;
  std::uint64_t scoped = 0;
  std::vector<PathRule> rules;
};

// Creates the ruleset and adds every rule. `abi` is abi_version(), asked once per run.
[[nodiscard]] Result<Fd> build(const Layer& layer, int abi);

// Restricts the calling thread to the ruleset. Needs no_new_privs. Returns 0 or an errno;
// async-signal-safe.
[[nodiscard]] int restrict_self(int ruleset_fd) noexcept;

}  // namespace hermetic::landlock
