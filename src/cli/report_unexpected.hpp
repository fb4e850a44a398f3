// `hermetic --policy NAME --report-unexpected -- TARGET ...`: the ratchet for CI. The run is
// enforced as usual; when any layer refused something (the --report lines of the run), hermetic
// lists each refusal with the policy lines that would allow it and exits kUnexpected.
#pragma once

#include <string>
#include <vector>

#include "hermetic/policy.hpp"

namespace hermetic::cli {

// Something was refused: the policy does not cover the run (the target's status is in the
// message).
inline constexpr int kUnexpected = 3;

struct UnexpectedRun {
  Policy policy;
  std::vector<std::string> target_argv;
  std::string report_file;  // --report FILE, or "" for a file of this run only
  std::string policy_file;  // where the policy came from ("" without --policy): lines are
                            // worded relative to it
};

// Runs the target enforced, as a waiting parent (it must read the report after the target), and
// returns the status to exit with.
[[nodiscard]] int run_reporting_unexpected(const UnexpectedRun& run);

}  // namespace hermetic::cli
