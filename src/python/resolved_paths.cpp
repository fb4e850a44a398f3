#include "resolved_paths.hpp"

#include <system_error>

#include "hermetic/real_path.hpp"

namespace hermetic::inproc {

std::optional<std::string> resolved_path(const std::string& path) {
  std::error_code error;
  std::string real = hermetic::real_path(path, error);
  if (error) return std::nullopt;
  return real;
}

bool path_within(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

ResolvedPaths::ResolvedPaths(const std::vector<std::string>& paths) {
  given_.reserve(paths.size());
  for (const auto& path : paths) {
    given_.push_back(path.empty() || path.front() == '/' ? path
                                                         : resolved_path(path).value_or(path));
  }
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
    for (const auto& path : given_) out.push_back(resolved_path(path).value_or(path));
    resolved_ = std::move(out);
  }
  return *resolved_;
}

}  // namespace hermetic::inproc
