// The filesystem guard's allow-lists, resolved lazily, and path containment.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hermetic::inproc {

// The canonical absolute path of an existing `path` (symlinks, "..", "." resolved), or nullopt
// when it does not exist or cannot be resolved.
[[nodiscard]] std::optional<std::string> resolved_path(const std::string& path);

// True when `path` is `dir` or lies below it (both absolute, no trailing slash but "/", which
// holds everything).
[[nodiscard]] bool path_within(const std::string& path, const std::string& dir);

// An allow-list of directories, each resolved with resolved_path only when a check needs it (one
// that does not resolve stays as given): a read-rooted CLI target carries dozens of runtime
// grants, already canonical, that would otherwise be resolved at every start. Relative paths are
// resolved at once: they depend on the working directory at push time. Call with the GIL held
// (the cache is filled once).
class ResolvedPaths {
 public:
  ResolvedPaths() = default;
  explicit ResolvedPaths(const std::vector<std::string>& paths);

  [[nodiscard]] bool empty() const noexcept { return given_.empty(); }
  // Whether the canonical path `real` lies within one of the directories. An entry as given is
  // tried first: when a canonical path lies below it, each of its components is a real directory,
  // so it is its own realpath and needs no resolving.
  [[nodiscard]] bool hold(const std::string& real) const;

 private:
  [[nodiscard]] const std::vector<std::string>& resolved() const;

  std::vector<std::string> given_;
  mutable std::optional<std::vector<std::string>> resolved_;
};

}  // namespace hermetic::inproc
