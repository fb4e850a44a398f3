// The named presets of hermetic-seal 1.0.0, unchanged, so `--profile` means the same thing.
#include <string>

#include "hermetic/policy.hpp"

namespace hermetic {

const std::vector<std::string_view>& profile_names() {
  static const std::vector<std::string_view> names = {"block-all", "net-hermetic", "exec-deny",
                                                      "fs-readonly", "block-native"};
  return names;
}

Result<Policy> profile(std::string_view name) {
  Policy p;
  if (name == "block-all") {
    p.block_native = true;
    p.block_subprocess = true;
    p.block_network = true;
    p.fs_readonly = true;
    p.block_environment = true;
    p.block_code_exec = true;
    p.block_interpreter_mutation = true;
  } else if (name == "net-hermetic") {
    p.block_network = true;
    p.allow_localhost = true;
  } else if (name == "exec-deny") {
    p.block_subprocess = true;
  } else if (name == "fs-readonly") {
    p.fs_readonly = true;
  } else if (name == "block-native") {
    p.block_native = true;
  } else {
    // Same wording as hermetic-seal.
    return Error{"unknown profile: " + std::string(name)};
  }
  return p;
}

}  // namespace hermetic
