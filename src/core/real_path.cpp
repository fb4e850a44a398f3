#include "real_path.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>

#include "fd.hpp"

namespace hermetic {

std::string real_path(const std::string& path, std::error_code& ec) {
  ec.clear();
  const Fd handle(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!handle) {
    ec.assign(errno, std::generic_category());
    return {};
  }
  const std::string by_fd = "/proc/self/fd/" + std::to_string(handle.get());
  std::array<char, PATH_MAX> buffer{};
  const ssize_t length = ::readlink(by_fd.c_str(), buffer.data(), buffer.size());
  if (length > 0 && static_cast<std::size_t>(length) < buffer.size() && buffer[0] == '/') {
    std::string out(buffer.data(), static_cast<std::size_t>(length));
    // A file unlinked meanwhile reads as "PATH (deleted)": let canonical decide.
    if (!out.ends_with(" (deleted)")) return out;
  }
  return std::filesystem::canonical(path, ec).string();
}

}  // namespace hermetic
