#include "target/inprocess_injection.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "hermetic/report_event.hpp"
#include "landlock/landlock_abi.hpp"
#include "target/sanitizer_runtime.hpp"

#ifndef HERMETIC_PYTHON_VERSION
#define HERMETIC_PYTHON_VERSION ""
#endif
#ifndef HERMETIC_PYTHON_EXTENSION
#define HERMETIC_PYTHON_EXTENSION ""
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

// A wheel is built once for every CPython 3.9+ (abi3); installed with another version than the
// build's, the package sits in that version's lib/pythonX.Y. Looked for only when the build's
// own directory lacks it, so the usual start pays nothing for it.
std::optional<fs::path> package_dir_of_another_version(const fs::path& expected) {
  const fs::path lib = expected.parent_path().parent_path().parent_path();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(lib, ec)) {
    if (!entry.path().filename().string().starts_with("python3.")) continue;
    fs::path dir = entry.path() / "site-packages" / "hermetic";
    if (::access((dir / "libhermetic_preload.so").c_str(), F_OK) == 0) return dir;
  }
  return std::nullopt;
}

// HERMETIC_INPROCESS=0: the user asked for the kernel layer alone.
bool switched_off() {
  const char* value = std::getenv("HERMETIC_INPROCESS");
  return value != nullptr && std::string_view(value) == "0";
}

}  // namespace

std::optional<Installation> find_installation() {
  auto dir = package_dir();
  if (!dir) return std::nullopt;
  std::error_code ec;
  Installation found{(*dir / "libhermetic_preload.so").string(), {}};
  if (::access(found.preload_library.c_str(), F_OK) != 0) {
    const char* given = std::getenv("HERMETIC_PACKAGE_DIR");
    if (given != nullptr && *given != '\0') return std::nullopt;
    dir = package_dir_of_another_version(*dir);
    if (!dir) return std::nullopt;
    found.preload_library = (*dir / "libhermetic_preload.so").string();
  }
  // The extension by the name this build gives it; a listing only if it is not there.
  if (const std::string_view name(HERMETIC_PYTHON_EXTENSION); !name.empty()) {
    const std::string expected = (*dir / name).string();
    if (::access(expected.c_str(), F_OK) == 0) {
      found.extension = expected;
      return found;
    }
  }
  for (const auto& entry : fs::directory_iterator(*dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("_hermetic.") && name.ends_with(".so")) found.extension = entry.path();
  }
  if (found.extension.empty()) return std::nullopt;
  return found;
}

std::optional<std::string> package_dir_to_read(const Policy& policy) {
  if (policy.empty() || switched_off()) return std::nullopt;
  const auto installation = find_installation();
  if (!installation) return std::nullopt;
  return fs::path(installation->preload_library).parent_path().string();
}

bool policy_needs_inprocess(const Policy& policy) {
  return policy.block_code_exec || !policy.deny_imports.empty() || policy.block_native ||
         policy.block_interpreter_mutation || policy.sealed;
}

// Any other guard (files, environment, code, imports, --trace) watches the start-up itself.
bool may_defer(const Policy& policy) {
  return !policy_needs_inprocess(policy) && !policy.trace && !policy.fs_readonly &&
         !policy.fs_root && !policy.block_environment && policy.allow_read.empty() &&
         policy.allow_write.empty();
}

Policy mirror_kernel_grants(const Policy& policy,
                            const std::vector<landlock::Layer>& landlock_layers) {
  namespace ll = landlock::uapi::fs;
  Policy out = policy;
  for (const auto& layer : landlock_layers) {
    // The write layer grants /dev/null, the terminal, the TMPDIR, --allow-write and inherited
    // stdio files; the read layer (only under a read root) what the runtime reads.
    const bool write_layer = (layer.handled_access_fs & ll::kWriteFile) != 0;
    const bool read_layer = policy.fs_root && (layer.handled_access_fs & ll::kReadFile) != 0;
    for (const auto& rule : layer.rules) {
      if (write_layer && (rule.allowed_access & ll::kWriteFile) != 0) {
        out.allow_write.push_back(rule.path);
      }
      if (read_layer && (rule.allowed_access & ll::kReadFile) != 0) {
        out.allow_read.push_back(rule.path);
      }
    }
  }
  return out;
}

Result<std::vector<std::string>> environment_for(const Policy& policy,
                                                 const std::string& current_preload) {
  if (policy.empty()) return std::vector<std::string>{};
  const bool required = policy_needs_inprocess(policy);
  if (switched_off()) {
    if (required) {
      return Error{
          "HERMETIC_INPROCESS=0 switches off the in-process layer, which Python-only "
          "flags such as --no-code-exec need"};
    }
    return std::vector<std::string>{};
  }
  const auto installation = find_installation();
  if (!installation) {
    if (required) {
      return Error{
          "the in-process layer (needed for Python-only flags such as --no-code-exec) "
          "is not installed next to this hermetic; install hermetic with pip"};
    }
    return std::vector<std::string>{};  // the kernel layer alone; plainer messages
  }
  // (A sanitized build's extension needs the ASan runtime first: sanitizer_runtime.hpp.)
  std::string preload = sanitizer_runtime::preload_prefix() + installation->preload_library;
  if (!current_preload.empty()) preload += ":" + current_preload;
  std::vector<std::string> out{
      "LD_PRELOAD=" + preload,
      "HERMETIC_POLICY=" + to_json(policy),
      "HERMETIC_INPROC_LIB=" + installation->extension,
      std::string("HERMETIC_INPROC_MIN_PYVER=") + kOldestPython,
      std::string("HERMETIC_INPROC_REQUIRED=") + (required ? "1" : "0"),
      std::string("HERMETIC_INPROC_DEFER=") + (may_defer(policy) ? "1" : "0"),
  };
  for (auto& option : sanitizer_runtime::options()) out.push_back(std::move(option));
  return out;
}

std::vector<std::string> environment_for_learn(const std::string& current_preload,
                                               const std::string& report_path) {
  if (switched_off()) return {};
  const auto installation = find_installation();
  if (!installation) return {};
  std::string preload = sanitizer_runtime::preload_prefix() + installation->preload_library;
  if (!current_preload.empty()) preload += ":" + current_preload;
  std::vector<std::string> out{
      "LD_PRELOAD=" + preload,
      "HERMETIC_POLICY=" + to_json(Policy{}),
      "HERMETIC_INPROC_LIB=" + installation->extension,
      std::string("HERMETIC_INPROC_MIN_PYVER=") + kOldestPython,
      "HERMETIC_INPROC_REQUIRED=0",
      "HERMETIC_INPROC_DEFER=0",
      "HERMETIC_LEARN=1",
      std::string(report::kReportPathVariable) + "=" + report_path,
  };
  for (auto& option : sanitizer_runtime::options()) out.push_back(std::move(option));
  return out;
}

}  // namespace hermetic::inprocess_injection
