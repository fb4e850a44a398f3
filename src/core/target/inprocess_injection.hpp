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
#include "landlock/landlock.hpp"

namespace hermetic::inprocess_injection {

// Where the installed package keeps the preload library and the extension.
struct Installation {
  std::string preload_library;
  std::string extension;
};

// The oldest CPython the extension loads into: it is built for the stable ABI of this version
// (src/python/CMakeLists.txt, USE_SABI), so any CPython from this one on gets the layer.
inline constexpr const char* kOldestPython = "3.9";

// HERMETIC_PACKAGE_DIR if set, else the package directory relative to this executable as pip
// lays it out (<prefix>/bin/hermetic, <prefix>/lib/pythonX.Y/site-packages/hermetic).
[[nodiscard]] std::optional<Installation> find_installation();

// The package directory the target must be able to read when the in-process layer will be
// injected for `policy` (nullopt when it will not be: empty policy, HERMETIC_INPROCESS=0, or
// no installation found).
[[nodiscard]] std::optional<std::string> package_dir_to_read(const Policy& policy);

// True when the policy has capabilities only the in-process layer can enforce.
[[nodiscard]] bool policy_needs_inprocess(const Policy& policy);

// True when the in-process layer may wait for the first event its guards have a use for
// (HERMETIC_INPROC_DEFER; src/preload/preload.cpp): the policy's in-process part is the network
// and subprocess guards alone, which check events a run may never raise.
[[nodiscard]] bool may_defer(const Policy& policy);

// The policy the in-process layer gets: `policy` plus what the kernel layer grants on top of
// the user's paths (writes to /dev/null, the terminal, the run's private TMPDIR; under a read
// root, every path the read layer opens for the runtime), so that the two layers agree on what
// the target may touch and the interpreter's own start-up passes both.
[[nodiscard]] Policy mirror_kernel_grants(const Policy& policy,
                                          const std::vector<landlock::Layer>& landlock_layers);

// NAME=VALUE overrides for the target's environment; empty when there is nothing to inject,
// or when the user set HERMETIC_INPROCESS=0 (the kernel layer alone: to see which layer blocks
// what, and how the tests exercise the boundary). An Error when the policy needs the
// in-process layer and it is not installed or switched off.
[[nodiscard]] Result<std::vector<std::string>> environment_for(const Policy& policy,
                                                               const std::string& current_preload);

// For a learn run (`hermetic learn`): the in-process layer without a policy, in learn mode
// (HERMETIC_LEARN=1, which the bootstrap honours only with an empty policy, so an enforced run
// inside a learn run enforces: src/python/learn_view.hpp), reporting to `report_path`. Empty when
// it is not installed or HERMETIC_INPROCESS=0: then no Python-only field is learned.
[[nodiscard]] std::vector<std::string> environment_for_learn(const std::string& current_preload,
                                                             const std::string& report_path);

}  // namespace hermetic::inprocess_injection
