// The command line of the hermetic executable: hermetic-seal 1.0.0's flags, plus the ones that
// came with kernel enforcement. Parsing only builds a Policy and picks an action; it runs nothing.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic::cli {

struct ShowText {  // --help, --version: print and exit 0
  std::string text;
};
struct ShowKernelCheck {};  // --check
struct RunTarget {
  Policy policy;
  std::vector<std::string> target_argv;
  std::string report_file;  // --report FILE as given (an output, not part of the policy), or ""
  bool report_unexpected = false;  // --report-unexpected (src/cli/report_unexpected.hpp)
  std::string policy_file;         // the policy file --policy read, or ""
};
struct ExplainTarget {  // --explain: print the rules a run would apply, run nothing
  Policy policy;
  std::vector<std::string> target_argv;
  std::string policy_source;  // "policy NAME of FILE" when a policy file was used
  std::string report_file;    // --report's FILE as given (shown, not created)
};
using Action = std::variant<ShowText, ShowKernelCheck, RunTarget, ExplainTarget>;

// `args` excludes argv[0]. Usage errors carry exit code 2, policy errors exit code 1. `--policy`
// looks for the policy file from the working directory upward.
[[nodiscard]] Result<Action> parse(const std::vector<std::string>& args);

}  // namespace hermetic::cli
