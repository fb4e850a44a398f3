#include "seal.hpp"

#include <algorithm>

#include "hermetic/launch.hpp"

namespace hermetic::inproc::seal {

Policy kernel_part(const Snapshot& snapshot) {
  Policy kernel;
  kernel.block_network =
      std::any_of(snapshot.levels.begin(), snapshot.levels.end(), [](const Level& level) {
        const Policy& p = level.policy;
        return p.block_network && !p.has_network_exceptions();
      });
  kernel.block_subprocess = snapshot.merged.block_subprocess;
  if (kernel.block_subprocess) kernel.allow_exec = snapshot.merged.allow_exec;
  return kernel;
}

namespace {
bool g_kernel_blocks_subprocess = false;  // written with the GIL held
}  // namespace

Status apply_kernel(const Snapshot& snapshot) {
  const Policy kernel = kernel_part(snapshot);
  if (kernel.empty()) return Ok{};
  auto applied = apply_to_self(kernel);
  if (applied && kernel.block_subprocess) note_kernel_blocks_subprocess();
  return applied;
}

bool kernel_blocks_subprocess() noexcept { return g_kernel_blocks_subprocess; }
void note_kernel_blocks_subprocess() noexcept { g_kernel_blocks_subprocess = true; }

}  // namespace hermetic::inproc::seal
