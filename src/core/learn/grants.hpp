// What an enforced run of a target has without asking (learn::Grants), taken from the plan an
// enforced --fs-readonly=ROOT run of it would apply: learn mode leaves these out of a policy, and
// --report-unexpected leaves them out of the lines it proposes.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "learn/synthesize.hpp"

namespace hermetic::learn {

// `exec_path`: the target as exec'd; `tmpdir`: the run's private TMPDIR (empty when gone);
// `root`: the read root (the working directory). Paths come out canonical.
[[nodiscard]] Grants grants_for(const std::vector<std::string>& argv, const std::string& exec_path,
                                const std::string& tmpdir, const std::string& root);

// Adds to `programs` the `#!` interpreters each of them needs (`/usr/bin/env NAME` found on
// PATH), by real path: the kernel runs a script's interpreter within the same exec, which the
// observer does not see as an exec of its own, and allow_exec grants a script only with its
// interpreter (exec_allow.hpp). ELF loaders are not added: allow_exec grants them itself.
void add_interpreters(std::set<std::string>& programs);

// Whether `path` exists (a dangling symlink does), for synthesize.
[[nodiscard]] bool exists_now(const std::string& path);

}  // namespace hermetic::learn
