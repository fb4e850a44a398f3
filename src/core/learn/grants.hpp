// What an enforced run of a target has without asking (learn::Grants), taken from the plan an
// enforced --fs-readonly=ROOT run of it would apply: learn mode leaves these out of a policy, and
// --report-unexpected leaves them out of the lines it proposes.
#pragma once

#include <string>
#include <vector>

#include "learn/synthesize.hpp"

namespace hermetic::learn {

// `exec_path`: the target as exec'd; `tmpdir`: the run's private TMPDIR (empty when gone);
// `root`: the read root (the working directory). Paths come out canonical.
[[nodiscard]] Grants grants_for(const std::vector<std::string>& argv, const std::string& exec_path,
                                const std::string& tmpdir, const std::string& root);

// Whether `path` exists (a dangling symlink does), for synthesize.
[[nodiscard]] bool exists_now(const std::string& path);

}  // namespace hermetic::learn
