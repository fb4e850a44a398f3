// The active in-process policies: a stack of levels (one per entered blocker), published as an
// immutable snapshot. The audit hook reads the snapshot; push/pop build a new one and swap the
// pointer. Both happen with the GIL held (free-threaded builds are not a target), so a reader
// never sees a half-built state and there is no moment where nothing is guarded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"
#include "resolved_paths.hpp"

namespace hermetic::inproc {

// Who pushed a level: a refusal by it says how to allow the action in that face's words (a
// CLI flag, a hermetic_blocker keyword).
enum class Face { kApi, kCli };

struct Level {
  Policy policy;
  std::optional<std::string> real_root;  // realpath of policy.fs_root, resolved at push time
  ResolvedPaths real_writable;           // realpaths of policy.allow_write, when first needed
  ResolvedPaths real_readable;           // realpaths of policy.allow_read, likewise
  std::uint64_t token = 0;
  Face face = Face::kApi;
  // The CLI's level: its block_environment was enforced by starting the process with a scrubbed
  // environment, so the process's own environment (what is left of it) is readable and its
  // own to change. A level of the Python API refuses reads and writes instead.
  bool environment_scrubbed = false;
  // Where this level's refusals are reported (report_line.hpp): the CLI's --report file
  // (HERMETIC_REPORT), a blocker's report=; empty for none.
  std::string report_path;
};

// Every check asks each level and denies when any level denies, so an inner block can only
// tighten an outer one: allow-lists are intersected, never joined.
struct Snapshot {
  std::vector<Level> levels;     // outermost first
  Policy merged;                 // the union of the levels' switches (allow-lists not meaningful)
  std::size_t sealed_floor = 0;  // levels [0, sealed_floor) can never be popped
  // Some level refuses reading and changing the environment (block_environment, not
  // environment_scrubbed); its keep_env names stay readable.
  bool refuses_environment = false;
};

namespace policy_stack {

// True when at least one level is active. The hook's fast path; one load.
[[nodiscard]] bool active() noexcept;

// The current snapshot; never null (empty when nothing is active). Call with the GIL held.
[[nodiscard]] std::shared_ptr<const Snapshot> current();

// Adds a level; `seal` makes it and every level below it permanent. Returns the level's token.
// Pure bookkeeping: the caller applies any kernel layer before pushing a sealed level.
// `face`: who pushed it (Level::face); `environment_scrubbed`: Level::environment_scrubbed (the
// CLI's level only); `report_path`: Level::report_path.
[[nodiscard]] std::uint64_t push(Policy policy, bool seal, Face face = Face::kApi,
                                 bool environment_scrubbed = false, std::string report_path = {});

// The snapshot that push(policy, ...) would publish, to decide what to seal before doing so.
[[nodiscard]] Snapshot preview_push(const Policy& policy);

// Removes the level with `token`. Returns false (and keeps it) when the level is sealed;
// an unknown token is ignored (also false).
bool pop(std::uint64_t token);

}  // namespace policy_stack
}  // namespace hermetic::inproc
