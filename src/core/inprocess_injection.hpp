// How the CLI hands the in-process layer to Python targets: LD_PRELOAD of
// libhermetic_preload.so plus the policy and the extension's path in HERMETIC_* variables (the
// contract is written down in src/preload/preload.cpp). Nothing is written into the target's
// environment on disk.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic::inprocess_injection {

// Where the installed package keeps the preload library and the extension.
struct Installation {
  std::string preload_library;
  std::string extension;
  std::string python_version;  // MAJOR.MINOR the extension was built for
};

// HERMETIC_PACKAGE_DIR if set, else the package directory relative to this executable as pip
// lays it out (<prefix>/bin/hermetic, <prefix>/lib/pythonX.Y/site-packages/hermetic).
[[nodiscard]] std::optional<Installation> find_installation();

// True when the policy has capabilities only the in-process layer can enforce.
[[nodiscard]] bool policy_needs_inprocess(const Policy& policy);

// NAME=VALUE overrides for the target's environment; empty when there is nothing to inject.
// An Error when the policy needs the in-process layer and it is not installed.
[[nodiscard]] Result<std::vector<std::string>> environment_for(const Policy& policy,
                                                               const std::string& current_preload);

}  // namespace hermetic::inprocess_injection
