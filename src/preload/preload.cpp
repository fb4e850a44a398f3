// libhermetic_preload.so: loaded through LD_PRELOAD into every process of a hermetic run, so
// that every CPython among them (the target, and any child Python) gets the in-process layer
// before Py_Initialize, before site, .pth files or user code. In a process that is not CPython
// it does nothing. It links nothing but libc and libdl: it must load into any program.
//
// Contract with the CLI (src/core/inprocess_injection.cpp), through the environment:
//   HERMETIC_POLICY        the policy as JSON
//   HERMETIC_INPROC_LIB    path of the extension module hermetic._hermetic
//   HERMETIC_INPROC_MIN_PYVER  "MAJOR.MINOR" of the oldest Python the extension runs on (it is
//                          built for the stable ABI of that version)
//   HERMETIC_INPROC_REQUIRED  "1" when the policy needs the in-process layer (a Python-only
//                          capability such as --no-code-exec): then a Python of another version
//                          is refused instead of running with the kernel layer alone
// and with the extension: it exports `int hermetic_preinit(const char* policy_json)`.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace {

using PreinitFn = int (*)(const char*);
using VersionFn = const char* (*)();

void say(const char* text) { (void)!write(STDERR_FILENO, text, std::strlen(text)); }

[[noreturn]] void fail(const char* what, const char* detail) {
  say("hermetic: error: ");
  say(what);
  if (detail != nullptr) {
    say(": ");
    say(detail);
  }
  say("\n");
  _exit(1);
}

// "3.12.1 (main, ...)" runs an extension built for the stable ABI of "3.9": the same major
// version, a minor version at least as new.
bool at_least(const char* running, const char* oldest) {
  char* end = nullptr;
  const long major = std::strtol(running, &end, 10);
  if (end == running || *end != '.') return false;
  const char* minor_text = end + 1;
  const long minor = std::strtol(minor_text, &end, 10);
  if (end == minor_text) return false;
  const long oldest_major = std::strtol(oldest, &end, 10);
  const long oldest_minor = *end == '.' ? std::strtol(end + 1, nullptr, 10) : 0;
  return major == oldest_major && minor >= oldest_minor;
}

__attribute__((constructor)) void hermetic_preload() {
  // CPython exports its C API from the executable or libpython; nothing else has this symbol.
  // (Not PySys_AddAuditHook: a CPython older than 3.8 lacks it, and must be recognised so that
  // a flag only the in-process layer enforces is refused there rather than dropped.)
  if (dlsym(RTLD_DEFAULT, "Py_GetVersion") == nullptr) return;
  const char* policy = std::getenv("HERMETIC_POLICY");
  const char* library = std::getenv("HERMETIC_INPROC_LIB");
  const char* oldest = std::getenv("HERMETIC_INPROC_MIN_PYVER");
  if (policy == nullptr || library == nullptr || oldest == nullptr) return;
  const char* required = std::getenv("HERMETIC_INPROC_REQUIRED");
  const bool must_inject = required != nullptr && std::strcmp(required, "1") == 0;

  const auto version = reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "Py_GetVersion"));
  // The extension's stable ABI holds in this version and newer ones, but not in a
  // free-threaded build (3.13t), whose objects are laid out differently; only such a build
  // exports this function (Include/object.h, under Py_GIL_DISABLED).
  const bool free_threaded = dlsym(RTLD_DEFAULT, "_Py_MergeZeroLocalRefcount") != nullptr;
  if (version == nullptr || !at_least(version(), oldest) || free_threaded) {
    if (must_inject) {
      // "3.7.16 (default, ...)\n[GCC ...]": the version number alone keeps the error one line.
      char number[32] = "unknown";
      if (version != nullptr) {
        const char* full = version();
        const std::size_t n = std::min(std::strcspn(full, " \n"), sizeof number - 1);
        std::memcpy(number, full, n);
        number[n] = '\0';
      }
      fail(free_threaded ? "the in-process layer does not run in a free-threaded Python"
                         : "the in-process layer runs on CPython 3.9 or newer; this one is",
           number);
    }
    return;  // the kernel layer still applies; only the messages are plainer
  }
  // Lazy: of the C API functions the extension imports, a start calls few; binding all of them
  // up front is a measurable part of loading it. (The bootstrap calls the module's init
  // directly, so the import system never opens it again with RTLD_NOW.)
  void* handle = dlopen(library, RTLD_LAZY | RTLD_GLOBAL);
  if (handle == nullptr) fail("cannot load the in-process layer", dlerror());
  auto preinit = reinterpret_cast<PreinitFn>(dlsym(handle, "hermetic_preinit"));
  if (preinit == nullptr) fail("the in-process layer has no hermetic_preinit", library);
  if (preinit(policy) != 0) fail("the in-process layer refused the policy", nullptr);
}

}  // namespace
