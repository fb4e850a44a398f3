#include "inprocess_injection.hpp"

#include <cstdlib>
#include <filesystem>

#ifndef HERMETIC_PYTHON_VERSION
#define HERMETIC_PYTHON_VERSION ""
#endif

namespace hermetic::inprocess_injection {
namespace fs = std::filesystem;
namespace {

std::optional<fs::path> package_dir() {
  if (const char* dir = std::getenv("HERMETIC_PACKAGE_DIR"); dir != nullptr && *dir != '\0') {
    return fs::path(dir);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || std::string_view(HERMETIC_PYTHON_VERSION).empty()) return std::nullopt;
  return exe.parent_path().parent_path() / "lib" / ("python" HERMETIC_PYTHON_VERSION) /
         "site-packages" / "hermetic";
}

}  // namespace

std::optional<Installation> find_installation() {
  const auto dir = package_dir();
  if (!dir) return std::nullopt;
  std::error_code ec;
  Installation found{(*dir / "libhermetic_preload.so").string(), {}, HERMETIC_PYTHON_VERSION};
  if (!fs::exists(found.preload_library, ec)) return std::nullopt;
  for (const auto& entry : fs::directory_iterator(*dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("_hermetic.") && name.ends_with(".so")) found.extension = entry.path();
  }
  if (found.extension.empty()) return std::nullopt;
  return found;
}

bool policy_needs_inprocess(const Policy& policy) {
  return policy.block_code_exec || !policy.deny_imports.empty() || policy.block_native ||
         policy.block_interpreter_mutation || policy.sealed;
}

Result<std::vector<std::string>> environment_for(const Policy& policy,
                                                 const std::string& current_preload) {
  if (policy.empty()) return std::vector<std::string>{};
  const bool required = policy_needs_inprocess(policy);
  const auto installation = find_installation();
  if (!installation) {
    if (required) {
      return Error{
          "the in-process layer (needed for Python-only flags such as --no-code-exec) "
          "is not installed next to this hermetic; install hermetic with pip"};
    }
    return std::vector<std::string>{};  // the kernel layer alone; plainer messages
  }
  std::string preload = installation->preload_library;
  if (!current_preload.empty()) preload += ":" + current_preload;
  return std::vector<std::string>{
      "LD_PRELOAD=" + preload,
      "HERMETIC_POLICY=" + to_json(policy),
      "HERMETIC_INPROC_LIB=" + installation->extension,
      "HERMETIC_INPROC_PYVER=" + installation->python_version,
      std::string("HERMETIC_INPROC_REQUIRED=") + (required ? "1" : "0"),
  };
}

}  // namespace hermetic::inprocess_injection
