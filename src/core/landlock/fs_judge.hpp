// Whether a run's Landlock layers let a filesystem access through, judged from outside the
// sandbox on paths: --report's supervisor asks it about a call Landlock is about to decide, so that
// a refusal Landlock tells nobody about still gets its report line (supervisor/landlock_report).
//
// Landlock grants a rule's rights on the file hierarchy of the inode its path named when the
// ruleset was built, and a layer refuses a right it handles unless a rule on the object or one of
// its ancestors grants it; every layer must let the access through. The judge does the same on
// canonical paths: a rule's path resolved once, the object's path resolved by the caller. Where
// the two views differ (a bind mount, another mount namespace) a line may be missed or written
// for nothing; what runs is never changed, Landlock alone decides.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "landlock/landlock.hpp"

namespace hermetic::fs_judge {

// Rights (landlock::uapi::fs) asked on the hierarchy of `path`: a file's own rights (read,
// write) on the file, a directory entry's (make, remove, refer) on its parent directory.
struct Access {
  std::string path;  // absolute, canonical
  std::uint64_t rights = 0;
};

class Judge {
 public:
  // Resolves every rule's path now (symlinks followed, as landlock::build opens them); a rule
  // whose path cannot be resolved is left out, as build leaves out a missing optional one.
  // `abi`: the running Landlock ABI (below 2, a rename or link across directories is refused by
  // every layer that handles a filesystem right).
  Judge(const std::vector<landlock::Layer>& layers, int abi);

  // The rights of `access` some layer refuses; 0 when Landlock lets it through.
  [[nodiscard]] std::uint64_t refused(const Access& access) const;

 private:
  struct Rule {
    std::string path;
    std::uint64_t rights;
  };
  struct Layer {
    std::uint64_t handled;
    std::vector<Rule> rules;
  };
  std::vector<Layer> layers_;
  int abi_;
};

// Whether `ancestor` is `path` or a directory above it (both canonical).
[[nodiscard]] bool beneath(const std::string& path, const std::string& ancestor);

}  // namespace hermetic::fs_judge
