#include "cli_bootstrap.hpp"

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "cli_exit.hpp"
#include "guards.hpp"
#include "hermetic/launch.hpp"
#include "hermetic/policy.hpp"
#include "hermetic/report_event.hpp"
#include "learn_view.hpp"
#include "level_token.hpp"
#include "policy_stack.hpp"
#include "py_ref.hpp"
#include "seal.hpp"
#include "stable_abi.hpp"
#include "stdlib_extensions.hpp"
#include "violation.hpp"

namespace hermetic::inproc::cli_bootstrap {
namespace {

// The CLI policy in two parts, set once before Py_Initialize and pushed once each by the hook:
// all of it but block_code_exec and deny_imports from `import site` on, those two from the main
// program on (.pth files of the environment run code through exec, and site imports what it
// needs: os, for one; they are start-up, not the target).
std::optional<Policy>& startup_policy() {
  static std::optional<Policy> policy;
  return policy;
}
std::optional<Policy>& user_code_policy() {
  static std::optional<Policy> policy;  // empty: nothing to add
  return policy;
}
// The --report file the launcher named (HERMETIC_REPORT), read before the program could change
// its environment (at preinit; in the deferred form, at the wake); empty for none.
std::string& report_path() {
  static std::string path;
  return path;
}
void remember_report_path() {
  const char* path = std::getenv(hermetic::report::kReportPathVariable.data());
  report_path() = path != nullptr ? path : "";
}
// A learn run (HERMETIC_LEARN=1 with an empty policy, set by `hermetic learn`): no policy, the
// learn view instead (learn_view.hpp). Read at preinit, like the report path.
bool g_learn = false;
// The hook runs with the GIL held; no other synchronisation is needed.
bool g_activated = false;
bool g_in_user_code = false;
bool g_busy = false;            // a phase is being entered
std::uint64_t g_cli_level = 0;  // the CLI level's id in the policy stack

// This extension's file, and the hermetic package directory it lies in.
std::string extension_path() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&hermetic_preinit), &info) == 0 || info.dli_fname == nullptr) {
    return {};
  }
  return info.dli_fname;
}
std::string package_dir() {
  const std::string path = extension_path();
  return path.substr(0, path.rfind('/'));
}

// spec_from_file_location(name, location, **kwargs) of the import system's own frozen module:
// already loaded at this point, where importing importlib.util would cost a few modules more.
PyObject* spec_for(const char* name, const std::string& location, PyObject* kwargs) {
  PyRef util(PyImport_ImportModule("_frozen_importlib_external"));
  if (!util) return nullptr;
  PyRef spec_from(PyObject_GetAttrString(util.get(), "spec_from_file_location"));
  PyRef args(Py_BuildValue("(sO&)", name, PyUnicode_DecodeFSDefault, location.c_str()));
  if (!spec_from || !args) return nullptr;
  return PyObject_Call(spec_from.get(), args.get(), kwargs);
}

// Makes this extension the module hermetic._hermetic, as an import of it would (its init
// registers the audit hook), without importing the Python package: most runs never need it. Its
// init is called directly: the library is loaded already, and the import system's route would open
// it again with RTLD_NOW, binding every symbol the preload library left to lazy binding. Returns
// the module (borrowed from sys.modules).
PyObject* load_native_module() {
  PyRef module(PyInit__hermetic());
  if (!module) return nullptr;
  const std::string path = extension_path();
  PyRef file(PyUnicode_DecodeFSDefault(path.c_str()));
  PyRef bootstrap(PyImport_ImportModule("_frozen_importlib"));
  if (!file || !bootstrap) return nullptr;
  // A spec as the import system would have set (importlib.util.find_spec and reload read it).
  PyRef spec_type(PyObject_GetAttrString(bootstrap.get(), "ModuleSpec"));
  PyRef args(Py_BuildValue("(sO)", "hermetic._hermetic", Py_None));
  PyRef kwargs(Py_BuildValue("{sO}", "origin", file.get()));
  PyRef name(PyUnicode_FromString("hermetic._hermetic"));  // an import names it in full too
  if (!spec_type || !args || !kwargs || !name) return nullptr;
  PyRef spec(PyObject_Call(spec_type.get(), args.get(), kwargs.get()));
  if (!spec || PyObject_SetAttrString(spec.get(), "has_location", Py_True) != 0 ||
      PyObject_SetAttrString(module.get(), "__name__", name.get()) != 0 ||
      PyObject_SetAttrString(module.get(), "__file__", file.get()) != 0 ||
      PyObject_SetAttrString(module.get(), "__spec__", spec.get()) != 0) {
    return nullptr;
  }
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  if (PyDict_SetItemString(modules, "hermetic._hermetic", module.get()) != 0) return nullptr;
  return module.get();  // sys.modules holds it
}

// Puts `module` last on sys.meta_path, where its find_spec answers `hermetic` with the package
// this extension came from: user code can `import hermetic` (to catch PolicyViolation, say)
// even when the target's environment does not have it. Last, not first: every import of the
// run asks each finder before the one that finds it, at a cost of ~3,000 instructions of
// importlib per finder and module (a third of the in-process layer's start-up), and a target
// whose own environment has a `hermetic` package gets that one, as its sys.path says.
int add_finder(PyObject* module) {
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  if (meta_path == nullptr || !PyList_Check(meta_path)) {
    PyErr_SetString(PyExc_RuntimeError, "sys.meta_path is not a list");
    return -1;
  }
  return PyList_Append(meta_path, module);
}

// Phase one: the CLI's policy, permanent from before site, and the exit behaviour. In a learn
// run, the learn view from before site instead (block_native's extent in an enforced run).
int activate() {
  PyObject* module = load_native_module();
  if (module == nullptr || add_finder(module) != 0) return -1;
  if (g_learn) {
    if (stdlib_extensions::remember() != 0) return -1;
    return learn_view::start(report_path());
  }
  Policy policy = *startup_policy();
  // The launcher applied the kernel layer before exec; it is not applied a second time.
  if (policy.block_subprocess) seal::note_kernel_blocks_subprocess();
  // Likewise the environment: the launcher scrubbed it, and what is left is the program's.
  const bool scrubbed = policy.block_environment;
  // Before site or any .pth file could change what sys says about the interpreter's prefix.
  if (policy.block_native && stdlib_extensions::remember() != 0) return -1;
  g_cli_level =
      policy_stack::push(std::move(policy), /*seal=*/true, Face::kCli, scrubbed, report_path());
  return cli_exit::install();
}

// The guards written in Python (python/hermetic/_patches.py): a guarded os.environ (the CLI's
// own level never needs it: its environment was scrubbed at exec), sys.path and __import__, which
// would otherwise fail the environment's own start-up (.pth files read os.environ). Only these need
// the Python package loaded.
bool needs_python_guards(const Policy& merged, bool refuses_environment) {
  return refuses_environment || merged.block_interpreter_mutation || !merged.deny_imports.empty() ||
         merged.block_native || merged.block_code_exec;
}

// hermetic/_learn.py, run as a module of its own that is not in sys.modules, without importing
// the hermetic package: a learn run must not change what the program finds imported (pytest warns
// of a plugin imported before it could rewrite it). New reference.
PyObject* load_learn_module() {
  PyRef spec(spec_for("hermetic._learn", package_dir() + "/_learn.py", nullptr));
  PyRef bootstrap(PyImport_ImportModule("_frozen_importlib"));
  if (!spec || !bootstrap) return nullptr;
  PyRef module(PyObject_CallMethod(bootstrap.get(), "module_from_spec", "(O)", spec.get()));
  PyRef loader(spec ? PyObject_GetAttrString(spec.get(), "loader") : nullptr);
  if (!module || !loader) return nullptr;
  PyRef done(PyObject_CallMethod(loader.get(), "exec_module", "(O)", module.get()));
  return done ? module.release() : nullptr;
}

// Phase two, just before the main program: block_code_exec from here on; the Python-side
// guards; and under block_native the kernel part too, so that no native code arrives by any
// route (ExtensionFileLoader, ctypes, cffi): from here on no executable memory, once the
// standard library's own extension modules are mapped.
int enter_user_code() {
  if (g_learn) {
    // The code generators and runpy's `python -m` that block_code_exec trusts; then the view of
    // the environment and the named eval/exec/compile (hermetic/_learn.py).
    if (code_guard::trust_stdlib_generators() != 0 || code_guard::trust_runpy() != 0) return -1;
    learn_view::enter_user_code();
    PyRef learn(load_learn_module());
    if (!learn) return -1;
    PyRef started(PyObject_CallMethod(learn.get(), "enter_user_code", nullptr));
    return started ? 0 : -1;
  }
  // The Python-side guards' own modules are imported before the user's part is pushed: an
  // import they make (importlib.util, say) is the layer's, not the target's.
  const Snapshot whole = policy_stack::preview_push(user_code_policy().value_or(Policy{}));
  PyRef cli;
  if (needs_python_guards(whole.merged, whole.refuses_environment)) {
    cli = PyRef(PyImport_ImportModule("hermetic._cli"));
    if (!cli) return -1;
  }
  if (user_code_policy()) {
    if (code_guard::trust_stdlib_generators() != 0 || code_guard::trust_runpy() != 0) return -1;
    (void)policy_stack::push(*user_code_policy(), /*seal=*/true, Face::kCli, false, report_path());
  }
  const auto snapshot = policy_stack::current();
  const Policy& merged = snapshot->merged;
  if (cli) {
    // The level's token goes to the Python-side guards for this one call and is kept nowhere:
    // the target never holds it (its level is sealed, and the token also re-baselines the
    // lists the interpreter guard watches).
    PyRef token(level_token::make(g_cli_level));
    if (!token) return -1;
    PyRef synced(PyObject_CallMethod(cli.get(), "enter_user_code", "(O)", token.get()));
    if (!synced) return -1;
  }
  if (!merged.block_native) return 0;
  // The standard library's extensions are mapped now, while the kernel still allows it.
  if (stdlib_extensions::map_all() != 0 || raise_unless_ok(deny_native_code_in_self()) != 0) {
    return -1;
  }
  subprocess_guard::note_native_rows();
  return 0;
}

[[noreturn]] void fail_closed() {
  // Without the in-process layer the target would run with less than was asked for.
  PyErr_Print();
  (void)std::fputs("hermetic: error: cannot start the in-process layer in the target\n", stderr);
  std::_Exit(1);
}

bool importing_site(const char* event, PyObject* args) {
  if (std::strcmp(event, "import") != 0 || !PyTuple_Check(args) || PyTuple_Size(args) == 0) {
    return false;
  }
  PyObject* name = PyTuple_GetItem(args, 0);  // borrowed
  return name != nullptr && PyUnicode_Check(name) &&
         PyUnicode_CompareWithASCIIString(name, "site") == 0;
}

// An event raised from C with no Python frame once the interpreter is initialized, other than
// `import site` itself: a program embedding CPython (gdb's `python` command, a plugin host) runs
// its first code, which raises no cpython.run_* event. While site runs, every event has a frame
// (site's, or the import system's); so have the events of the target's own code.
bool embedder_runs_code(bool site_event) {
  return !site_event && Py_IsInitialized() != 0 && PyEval_GetFrame() == nullptr;
}

// Phase one at `import site` (or, when site is disabled, at what starts phase two), phase two at
// the main program: cpython.run_command, run_file, run_module, run_stdin, run_interactivehook,
// or in an embedding program the first code it runs after start-up (embedder_runs_code).
int bootstrap_hook(const char* event, PyObject* args, void* /*data*/) {
  if (g_in_user_code || g_busy) return 0;
  const bool site_event = importing_site(event, args);
  const bool main_program =
      std::strncmp(event, "cpython.run_", 12) == 0 || embedder_runs_code(site_event);
  g_busy = true;  // the phases' own imports fire events into this hook
  if (!g_activated && (main_program || site_event)) {
    g_activated = true;
    if (activate() != 0) fail_closed();
  }
  if (g_activated && main_program) {
    g_in_user_code = true;
    if (enter_user_code() != 0) fail_closed();
  }
  g_busy = false;
  return 0;
}

}  // namespace

PyObject* find_spec(PyObject* /*self*/, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"name", "path", "target", nullptr};
  const char* name = nullptr;
  PyObject* path = Py_None;
  PyObject* target = Py_None;
  if (PyArg_ParseTupleAndKeywords(args, kwargs, "s|OO:find_spec", const_cast<char**>(keywords),
                                  &name, &path, &target) == 0) {
    return nullptr;
  }
  if (std::strcmp(name, "hermetic") != 0) Py_RETURN_NONE;  // the package's own path finds the rest
  const std::string dir = package_dir();
  PyRef search(Py_BuildValue("[O&]", PyUnicode_DecodeFSDefault, dir.c_str()));
  if (!search) return nullptr;
  PyRef spec_kwargs(Py_BuildValue("{sO}", "submodule_search_locations", search.get()));
  if (!spec_kwargs) return nullptr;
  return spec_for("hermetic", dir + "/__init__.py", spec_kwargs.get());
}

}  // namespace hermetic::inproc::cli_bootstrap

// The deferred form (HERMETIC_INPROC_DEFER, src/preload/preload.cpp): the preload library calls
// this from its audit hook, with the interpreter running, at the first event the policy has a
// use for. The launcher defers only policies whose in-process part is the network and
// subprocess guards, which have no second phase: both phases happen here, at once. The event
// that woke the layer then reaches the hook PyInit__hermetic appended to CPython's list.
extern "C" int hermetic_wake(const char* policy_json) {
  namespace boot = hermetic::inproc::cli_bootstrap;
  if (policy_json == nullptr) return 1;
  auto policy = hermetic::policy_from_json(policy_json);
  if (!policy || boot::needs_python_guards(policy.value(), policy.value().block_environment) ||
      policy.value().block_code_exec) {
    return 1;  // not a policy the launcher defers
  }
  boot::startup_policy() = std::move(policy).value();
  boot::remember_report_path();
  boot::g_activated = true;
  boot::g_in_user_code = true;
  if (boot::activate() != 0 || boot::enter_user_code() != 0) boot::fail_closed();
  return 0;
}

extern "C" int hermetic_preinit(const char* policy_json) {
  namespace boot = hermetic::inproc::cli_bootstrap;
  if (policy_json == nullptr) return 1;
  auto policy = hermetic::policy_from_json(policy_json);
  if (!policy) return 1;
  hermetic::Policy startup = policy.value();
  startup.block_code_exec = false;
  startup.deny_imports.clear();
  boot::startup_policy() = std::move(startup);
  boot::remember_report_path();
  // Only with an empty policy: an enforced run (a policy) inside a learn run enforces.
  const char* learn = std::getenv("HERMETIC_LEARN");
  boot::g_learn = learn != nullptr && std::strcmp(learn, "1") == 0 && policy.value().empty();
  if (policy.value().block_code_exec || !policy.value().deny_imports.empty()) {
    hermetic::Policy user;
    user.block_code_exec = policy.value().block_code_exec;
    user.deny_imports = policy.value().deny_imports;
    user.trace = policy.value().trace;
    boot::user_code_policy() = std::move(user);
  }
  // Safe before Py_Initialize (documented); the hook stays for the life of the runtime.
  return PySys_AddAuditHook(boot::bootstrap_hook, nullptr) == 0 ? 0 : 1;
}
