#include "real_path.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace hermetic::inproc {
namespace {

// An O_PATH descriptor, closed on scope exit.
class PathFd {
 public:
  explicit PathFd(const char* path) noexcept : fd_(::open(path, O_PATH | O_CLOEXEC)) {}
  PathFd(const PathFd&) = delete;
  PathFd& operator=(const PathFd&) = delete;
  PathFd(PathFd&&) = delete;
  PathFd& operator=(PathFd&&) = delete;
  ~PathFd() {
    if (fd_ >= 0) (void)::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::optional<std::string> by_realpath(const std::string& path) {
  std::array<char, PATH_MAX> buffer{};
  if (::realpath(path.c_str(), buffer.data()) == nullptr) return std::nullopt;
  return std::string(buffer.data());
}

}  // namespace

std::optional<std::string> real_path(const std::string& path) {
  // The kernel resolves the path once (O_PATH needs no read permission, and Landlock does not
  // restrict it); /proc then names what it found.
  const PathFd fd(path.c_str());
  if (fd.get() < 0) return std::nullopt;
  std::array<char, 32> link{};
  (void)std::snprintf(link.data(), link.size(), "/proc/self/fd/%d", fd.get());
  std::array<char, PATH_MAX> buffer{};
  const ssize_t n = ::readlink(link.data(), buffer.data(), buffer.size() - 1);
  // No /proc, or a name /proc cannot give as a path ("... (deleted)", another root): the slow
  // way, which gives realpath's own answer.
  if (n <= 0 || buffer[0] != '/' || static_cast<std::size_t>(n) >= buffer.size() - 1) {
    return by_realpath(path);
  }
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

ResolvedPaths::ResolvedPaths(const std::vector<std::string>& paths) {
  given_.reserve(paths.size());
  for (const auto& path : paths) {
    given_.push_back(path.empty() || path.front() == '/' ? path : real_path(path).value_or(path));
  }
}

bool path_within(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

bool ResolvedPaths::hold(const std::string& real) const {
  for (const auto& dir : given_) {
    if (path_within(real, dir)) return true;
  }
  for (const auto& dir : resolved()) {
    if (path_within(real, dir)) return true;
  }
  return false;
}

const std::vector<std::string>& ResolvedPaths::resolved() const {
  if (!resolved_) {
    std::vector<std::string> out;
    out.reserve(given_.size());
    for (const auto& path : given_) out.push_back(real_path(path).value_or(path));
    resolved_ = std::move(out);
  }
  return *resolved_;
}

}  // namespace hermetic::inproc
