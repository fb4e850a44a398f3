// libhermetic_preload.so: loaded through LD_PRELOAD into every process of a hermetic run, so
// that every CPython among them (the target, and any child Python) gets the in-process layer
// before Py_Initialize, before site, .pth files or user code. In a process that is not CPython
// it does nothing. It links nothing but libc and libdl: it must load into any program.
//
// Contract with the CLI (src/core/inprocess_injection.cpp), through the environment:
//   HERMETIC_POLICY        the policy as JSON
//   HERMETIC_INPROC_LIB    path of the extension module hermetic._hermetic
//   HERMETIC_INPROC_PYVER  "MAJOR.MINOR" of the Python the extension was built for
//   HERMETIC_INPROC_REQUIRED  "1" when the policy needs the in-process layer (a Python-only
//                          capability such as --no-code-exec): then a Python of another version
//                          is refused instead of running with the kernel layer alone
// and with the extension: it exports `int hermetic_preinit(const char* policy_json)`.
#include <dlfcn.h>
#include <unistd.h>

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

// "3.11.7 (main, ...)" runs on an extension built for "3.11": same major.minor, then a dot.
bool same_minor_version(const char* running, const char* built_for) {
  const std::size_t n = std::strlen(built_for);
  return std::strncmp(running, built_for, n) == 0 && (running[n] == '.' || running[n] == ' ');
}

__attribute__((constructor)) void hermetic_preload() {
  // CPython exports its C API from the executable or libpython; nothing else has this symbol.
  if (dlsym(RTLD_DEFAULT, "PySys_AddAuditHook") == nullptr) return;
  const char* policy = std::getenv("HERMETIC_POLICY");
  const char* library = std::getenv("HERMETIC_INPROC_LIB");
  const char* built_for = std::getenv("HERMETIC_INPROC_PYVER");
  if (policy == nullptr || library == nullptr || built_for == nullptr) return;
  const char* required = std::getenv("HERMETIC_INPROC_REQUIRED");
  const bool must_inject = required != nullptr && std::strcmp(required, "1") == 0;

  auto version = reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "Py_GetVersion"));
  if (version == nullptr || !same_minor_version(version(), built_for)) {
    // The extension's ABI is that of one Python version; loading it elsewhere would crash.
    if (must_inject) {
      fail("the in-process layer is built for another Python version; this one is",
           version != nullptr ? version() : "unknown");
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
