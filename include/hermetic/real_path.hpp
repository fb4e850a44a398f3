// A path with every symlink resolved, as the kernel resolves it to open the file.
#pragma once

#include <string>
#include <system_error>

namespace hermetic {

// What std::filesystem::canonical returns, through realpath(3) (canonical checks the status
// first and builds a path object per component). `ec` is set, and the result empty, when
// `path` does not exist. (An O_PATH open and a readlink of /proc/self/fd/N was measured slower:
// the first /proc/self lookup of a process costs more than the whole walk.)
[[nodiscard]] std::string real_path(const std::string& path, std::error_code& ec);

}  // namespace hermetic
