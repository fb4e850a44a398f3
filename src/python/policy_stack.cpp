#include "policy_stack.hpp"

#include "resolved_paths.hpp"

namespace hermetic::inproc::policy_stack {
namespace {

// Both are only touched with the GIL held; `g_active` mirrors !g_current->levels.empty() so
// the hook can skip uninteresting processes without touching the shared_ptr.
// The snapshot holds no Python objects, so destroying it at process exit (after the
// interpreter has finalized and no hook can run) is harmless.
std::shared_ptr<const Snapshot>& current_slot() {
  static std::shared_ptr<const Snapshot> slot = std::make_shared<const Snapshot>();
  return slot;
}
bool g_active = false;
std::uint64_t g_next_token = 1;

Snapshot with_levels(std::vector<Level> levels, std::size_t floor) {
  Snapshot out;
  out.sealed_floor = floor;
  for (const auto& level : levels) {
    out.merged = out.merged.united_with(level.policy);
    if (level.policy.block_environment && !level.environment_scrubbed) {
      out.refuses_environment = true;
    }
  }
  out.levels = std::move(levels);
  return out;
}

void publish(Snapshot next) {
  g_active = !next.levels.empty();
  current_slot() = std::make_shared<const Snapshot>(std::move(next));
}

Level make_level(Policy policy, std::uint64_t token, Face face) {
  Level level{std::move(policy), std::nullopt, {}, {}, token, face, false, {}};
  if (level.policy.fs_root) {
    // A root that does not resolve still confines: keep the literal path (nothing real is
    // inside a missing directory).
    level.real_root = resolved_path(*level.policy.fs_root).value_or(*level.policy.fs_root);
  }
  level.real_writable = ResolvedPaths(level.policy.allow_write);
  level.real_readable = ResolvedPaths(level.policy.allow_read);
  return level;
}

}  // namespace

bool active() noexcept { return g_active; }

std::shared_ptr<const Snapshot> current() { return current_slot(); }

Snapshot preview_push(const Policy& policy) {
  const auto& now = *current_slot();
  auto levels = now.levels;
  levels.push_back(make_level(policy, 0, Face::kApi));
  return with_levels(std::move(levels), now.sealed_floor);
}

std::uint64_t push(Policy policy, bool seal, Face face, bool environment_scrubbed,
                   std::string report_path) {
  const auto& now = *current_slot();
  const std::uint64_t token = g_next_token++;
  auto levels = now.levels;
  levels.push_back(make_level(std::move(policy), token, face));
  levels.back().environment_scrubbed = environment_scrubbed;
  levels.back().report_path = std::move(report_path);
  const std::size_t floor = seal ? levels.size() : now.sealed_floor;
  publish(with_levels(std::move(levels), floor));
  return token;
}

bool pop(std::uint64_t token) {
  const auto& now = *current_slot();
  for (std::size_t i = 0; i < now.levels.size(); ++i) {
    if (now.levels[i].token != token) continue;
    if (i < now.sealed_floor) return false;
    auto levels = now.levels;
    levels.erase(levels.begin() + static_cast<std::ptrdiff_t>(i));
    publish(with_levels(std::move(levels), now.sealed_floor));
    return true;
  }
  return false;
}

}  // namespace hermetic::inproc::policy_stack
