// A path with every symlink resolved, as the kernel resolves it to open the file.
#pragma once

#include <string>
#include <system_error>

namespace hermetic {

// What std::filesystem::canonical returns, in three syscalls whatever the depth: an O_PATH open
// and a readlink of /proc/self/fd/N (canonical reads the link of every component). Falls back
// to canonical when /proc cannot answer. `ec` is set, and the result empty, when `path` does
// not exist.
[[nodiscard]] std::string real_path(const std::string& path, std::error_code& ec);

}  // namespace hermetic
