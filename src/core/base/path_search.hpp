// PATH lookup shared by target resolution, `#!/usr/bin/env NAME` and pyenv's "system" version.
#pragma once

#include <optional>
#include <string>

namespace hermetic::path_search {

// First executable regular file named `name` on `path_env`, skipping directories for which
// `skip_dir` returns true.
template <class SkipDir>
std::optional<std::string> find_if(const std::string& name, const std::string& path_env,
                                   SkipDir skip_dir);

[[nodiscard]] std::optional<std::string> find(const std::string& name, const std::string& path_env);

[[nodiscard]] bool is_executable_file(const std::string& path);

}  // namespace hermetic::path_search

#include "base/path_search_impl.hpp"
