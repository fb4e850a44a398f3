#include "landlock/landlock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "landlock/landlock_abi.hpp"

namespace hermetic::landlock {
namespace {

long create_ruleset(const uapi::RulesetAttr* attr, std::size_t size, std::uint32_t flags) {
  return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

std::string errno_text() { return std::strerror(errno); }

long add_path_rule(int ruleset, int parent, std::uint64_t allowed) {
  const uapi::PathBeneathAttr beneath{allowed, parent};
  const long rc = syscall(SYS_landlock_add_rule, ruleset, uapi::kRulePathBeneath, &beneath, 0);
  // The kernel refuses (EINVAL) directory-only rights on a file: keep what applies to one. (Asked
  // this way round, a directory costs one syscall; EINVAL for any other reason fails again.)
  const std::uint64_t file_rights = allowed & uapi::fs::kFileRights;
  if (rc != 0 && errno == EINVAL && file_rights != allowed) {
    struct stat st {};
    if (fstat(parent, &st) == 0 && !S_ISDIR(st.st_mode)) {
      const uapi::PathBeneathAttr file{file_rights, parent};
      return syscall(SYS_landlock_add_rule, ruleset, uapi::kRulePathBeneath, &file, 0);
    }
  }
  return rc;
}

}  // namespace

int abi_version() {
  const long abi = create_ruleset(nullptr, 0, uapi::kCreateRulesetVersion);
  const int found = abi < 0 ? 0 : static_cast<int>(abi);
  // HERMETIC_LANDLOCK_ABI_MAX=N: use no feature above ABI N, as on an older kernel, so that the
  // fallbacks for older kernels run and are tested on a new one. It can only take features
  // away; anything but a number from 0 to the kernel's ABI is ignored.
  const char* cap = std::getenv("HERMETIC_LANDLOCK_ABI_MAX");
  if (cap != nullptr && cap[0] >= '0' && cap[0] <= '9' && cap[1] == '\0') {
    return std::min(found, cap[0] - '0');
  }
  return found;
}

Result<Fd> build(const Layer& layer, int abi) {
  if (abi < layer.min_abi) {
    return Error{"the " + layer.purpose + " needs Landlock ABI " + std::to_string(layer.min_abi) +
                 " and this kernel has " +
                 (abi == 0 ? std::string("no Landlock") : "ABI " + std::to_string(abi))};
  }
  const uapi::RulesetAttr attr{layer.handled_access_fs, 0, layer.scoped};
  // The kernel takes the struct size of the ABI the fields come from; send no more than needed
  // so that kernels knowing only the first field still accept it.
  const std::size_t size = layer.scoped != 0 ? uapi::kRulesetAttrSizeV6 : uapi::kRulesetAttrSizeV1;
  Fd ruleset(static_cast<int>(create_ruleset(&attr, size, 0)));
  if (!ruleset) {
    return Error{"landlock: cannot create the " + layer.purpose + " ruleset: " + errno_text()};
  }
  for (const auto& rule : layer.rules) {
    const Fd target(open(rule.path.c_str(), O_PATH | O_CLOEXEC));
    // An optional rule for a path that is missing, or that this process may not reach (under an
    // unreadable HOME, say), is left out: the target, of the same user and more restricted,
    // could not read it either.
    if (!target && rule.optional && (errno == ENOENT || errno == ENOTDIR || errno == EACCES)) {
      continue;
    }
    if (!target) return Error{"landlock: cannot open " + rule.path + ": " + errno_text()};
    if (add_path_rule(ruleset.get(), target.get(), rule.allowed_access) != 0) {
      return Error{"landlock: cannot add the rule for " + rule.path + ": " + errno_text()};
    }
  }
  return ruleset;
}

int restrict_self(int ruleset_fd) noexcept {
  return syscall(SYS_landlock_restrict_self, ruleset_fd, 0) == 0 ? 0 : errno;
}

}  // namespace hermetic::landlock
