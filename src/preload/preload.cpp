// libhermetic_preload.so: loaded through LD_PRELOAD into every process of a hermetic run, so
// that every CPython among them (the target, and any child Python) gets the in-process layer
// before Py_Initialize, before site, .pth files or user code. In a process that is not CPython
// it does nothing. It links nothing but libc and libdl: it must load into any program.
//
// Contract with the CLI (src/core/target/inprocess_injection.cpp), through the environment:
//   HERMETIC_POLICY        the policy as JSON
//   HERMETIC_INPROC_LIB    path of the extension module hermetic._hermetic
//   HERMETIC_INPROC_MIN_PYVER  "MAJOR.MINOR" of the oldest Python the extension runs on (it is
//                          built for the stable ABI of that version)
//   HERMETIC_INPROC_REQUIRED  "1" when the policy needs the in-process layer (a Python-only
//                          capability such as --no-code-exec): then a Python of another version
//                          is refused instead of running with the kernel layer alone
//   HERMETIC_INPROC_DEFER  "1" when the policy's in-process part is the network and subprocess
//                          guards alone: then the extension is loaded at the first event those
//                          guards have a use for (below), not at start
// and with the extension: it exports `int hermetic_preinit(const char* policy_json)`, and
// `int hermetic_wake(const char* policy_json)` for the deferred form.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "wake_events.hpp"

namespace {

namespace wake_events = hermetic::wake_events;
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

// --- The deferred form ---------------------------------------------------------------------
// Loading the 1.3 MB extension and its bootstrap cost a Python start ~0.3 ms on a VM (most of
// a `python3 -c pass` under --no-network beyond the kernel layer). A run that never opens a
// socket or starts a process needs neither: until then a small hook here watches the events, and
// the first one the guards have a use for loads the extension, which then sees that very event
// (PyInit__hermetic appends its hook to the list CPython is walking). What wakes it:
//   socket.* and the process-creation events: what the guards check;
//   `import hermetic...`: the package is answered by the extension's finder;
//   subinterpreters, created or about to be (cpython.PyInterpreterState_New, the modules that
//   make them): the layer refuses them while a policy is active, and must be in place first.
// Nothing here runs Python code or keeps Python objects.
using AuditHook = int (*)(const char*, void*, void*);
using AddAuditHookFn = int (*)(AuditHook, void*);
using TupleGetItemFn = void* (*)(void*, long);
using AsUtf8Fn = const char* (*)(void*, long*);
using ErrClearFn = void (*)();
using InterpreterGetFn = void* (*)();
using InterpreterIdFn = long long (*)(void*);
using ThreadStateFn = void* (*)();
using ErrSetStringFn = void (*)(void*, const char*);

struct Deferred {
  const char* policy = nullptr;
  const char* library = nullptr;
  TupleGetItemFn tuple_get_item = nullptr;
  AsUtf8Fn as_utf8 = nullptr;
  ErrClearFn err_clear = nullptr;
  InterpreterGetFn interpreter_get = nullptr;
  InterpreterIdFn interpreter_id = nullptr;
  ThreadStateFn unchecked_thread_state = nullptr;  // null where CPython exports neither name
  ErrSetStringFn err_set_string = nullptr;
  void** runtime_error = nullptr;  // &PyExc_RuntimeError
};
Deferred g_deferred;
enum : int { kWaiting, kLoading, kLoaded };
// Atomic: since 3.12 a subinterpreter runs its hooks under a GIL of its own.
std::atomic<int> g_state{kWaiting};

bool imports_a_waking_module(void* args) {
  void* name = g_deferred.tuple_get_item(args, 0);  // borrowed; the module name, a str
  const char* text = name != nullptr ? g_deferred.as_utf8(name, nullptr) : nullptr;
  if (text == nullptr) {
    g_deferred.err_clear();
    return false;
  }
  const std::string_view module(text);
  if (module.starts_with(wake_events::kPackage) && (module.size() == wake_events::kPackage.size() ||
                                                    module[wake_events::kPackage.size()] == '.')) {
    return true;
  }
  return std::ranges::find(wake_events::kInterpreterModules, module) !=
         std::end(wake_events::kInterpreterModules);
}

// The first letters of the waking events, "import" included: one lookup sorts out most events.
constexpr auto kFirstLetters = [] {
  std::array<bool, 256> table{};
  table[static_cast<unsigned char>(wake_events::kNetworkPrefix[0])] = true;
  for (const std::string_view name : wake_events::kOtherEvents) {
    table[static_cast<unsigned char>(name[0])] = true;
  }
  table['i'] = true;
  return table;
}();

// Called for every event of the run until the layer wakes.
bool wakes(const char* event, void* args) {
  if (!kFirstLetters[static_cast<unsigned char>(event[0])]) return false;
  const std::string_view name(event);
  if (name == "import") return imports_a_waking_module(args);
  return name.starts_with(wake_events::kNetworkPrefix) ||
         std::ranges::find(wake_events::kOtherEvents, name) != std::end(wake_events::kOtherEvents);
}

int wake_hook(const char* event, void* args, void* /*data*/) {
  const int state = g_state.load(std::memory_order_acquire);
  if (state == kLoaded || !wakes(event, args)) return 0;  // loaded: the extension's hook checks
  // Only the main interpreter loads the extension (its state is one per process). A
  // subinterpreter made by a route that woke nothing is refused what the guards check, as
  // the extension refuses it everything it guards.
  if (g_deferred.unchecked_thread_state != nullptr &&
      g_deferred.unchecked_thread_state() == nullptr) {
    return 0;  // no thread state (3.13's creation event): nothing may run here
  }
  if (g_deferred.interpreter_id(g_deferred.interpreter_get()) != 0) {
    g_deferred.err_set_string(*g_deferred.runtime_error, wake_events::kSubinterpreterRefusal);
    return -1;
  }
  // Events raised while the extension loads (its own imports) are the bootstrap's.
  int expected = kWaiting;
  if (state == kLoading || !g_state.compare_exchange_strong(expected, kLoading)) return 0;
  void* handle = dlopen(g_deferred.library, RTLD_LAZY | RTLD_GLOBAL);
  if (handle == nullptr) fail("cannot load the in-process layer", dlerror());
  auto wake = reinterpret_cast<PreinitFn>(dlsym(handle, "hermetic_wake"));
  if (wake == nullptr) fail("the in-process layer has no hermetic_wake", g_deferred.library);
  if (wake(g_deferred.policy) != 0) fail("the in-process layer refused the policy", nullptr);
  g_state.store(kLoaded, std::memory_order_release);
  return 0;
}

template <typename Fn>
Fn python_function(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

// Registers wake_hook; false when this CPython lacks a function it needs (then the extension is
// loaded at start, as without deferral).
bool defer(const char* policy, const char* library) {
  auto& d = g_deferred;
  // Copies: the environment is the target's to change before the layer wakes.
  d.policy = strdup(policy);
  d.library = strdup(library);
  if (d.policy == nullptr || d.library == nullptr) return false;
  d.tuple_get_item = python_function<TupleGetItemFn>("PyTuple_GetItem");
  d.as_utf8 = python_function<AsUtf8Fn>("PyUnicode_AsUTF8AndSize");
  d.err_clear = python_function<ErrClearFn>("PyErr_Clear");
  d.interpreter_get = python_function<InterpreterGetFn>("PyInterpreterState_Get");
  d.interpreter_id = python_function<InterpreterIdFn>("PyInterpreterState_GetID");
  d.err_set_string = python_function<ErrSetStringFn>("PyErr_SetString");
  d.runtime_error = python_function<void**>("PyExc_RuntimeError");
  d.unchecked_thread_state = python_function<ThreadStateFn>("PyThreadState_GetUnchecked");  // 3.13+
  if (d.unchecked_thread_state == nullptr) {
    d.unchecked_thread_state = python_function<ThreadStateFn>("_PyThreadState_UncheckedGet");
  }
  const auto add = python_function<AddAuditHookFn>("PySys_AddAuditHook");
  if (d.tuple_get_item == nullptr || d.as_utf8 == nullptr || d.err_clear == nullptr ||
      d.interpreter_get == nullptr || d.interpreter_id == nullptr || d.err_set_string == nullptr ||
      d.runtime_error == nullptr || add == nullptr) {
    return false;
  }
  // Safe before Py_Initialize (documented); the hook stays for the life of the runtime.
  return add(wake_hook, nullptr) == 0;
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
  const char* deferred = std::getenv("HERMETIC_INPROC_DEFER");
  if (deferred != nullptr && std::strcmp(deferred, "1") == 0 && defer(policy, library)) return;
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
