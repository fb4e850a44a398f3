#include "landlock/fs_judge.hpp"

#include <filesystem>
#include <system_error>

#include "landlock/landlock_abi.hpp"

namespace hermetic::fs_judge {

bool beneath(const std::string& path, const std::string& ancestor) {
  if (ancestor == "/") return path.starts_with('/');
  if (!path.starts_with(ancestor)) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

Judge::Judge(const std::vector<landlock::Layer>& layers, int abi) : abi_(abi) {
  for (const auto& layer : layers) {
    Layer judged{layer.handled_access_fs, {}};
    for (const auto& rule : layer.rules) {
      // "/proc/self/fd/N" (an inherited stdio file) names this process's fd N, which hermetic
      // keeps as it was when the rule was added: its target is that rule's file.
      std::error_code ec;
      const auto real = std::filesystem::canonical(rule.path, ec);
      if (ec) continue;
      judged.rules.push_back({real.string(), rule.allowed_access});
    }
    layers_.push_back(std::move(judged));
  }
}

std::uint64_t Judge::refused(const Access& access) const {
  namespace fs = landlock::uapi::fs;
  std::uint64_t missing = 0;
  for (const auto& layer : layers_) {
    if (layer.handled == 0) continue;  // a layer of scopes only
    // ABI 1 has no REFER right: a layer that handles any filesystem right refuses every rename
    // and link across directories.
    if (abi_ < 2) missing |= access.rights & fs::kRefer;
    const std::uint64_t asked = access.rights & layer.handled;
    if (asked == 0) continue;
    std::uint64_t granted = 0;
    for (const auto& rule : layer.rules) {
      if (beneath(access.path, rule.path)) granted |= rule.rights;
    }
    missing |= asked & ~granted;
  }
  return missing;
}

}  // namespace hermetic::fs_judge
