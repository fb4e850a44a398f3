// `hermetic learn [-o FILE] [--policy NAME] [--report FILE] [--check] -- TARGET ...`: runs the
// target observed and unenforced, then writes (or widens, or checks) the named policy that lets
// that run pass (docs/learn.md).
#pragma once

#include <string>
#include <vector>

namespace hermetic::cli {

// `args` are the arguments after `learn`. Returns the exit status (the target's, or 1 and 2 for
// hermetic's own errors, or kCheckFailed); may die by the target's signal as a run does.
[[nodiscard]] int learn_main(const std::vector<std::string>& args);

// `learn --check`: the stored policy lacks something the run used.
inline constexpr int kCheckFailed = 3;

}  // namespace hermetic::cli
