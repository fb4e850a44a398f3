#include "cli_bootstrap.hpp"

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "hermetic/policy.hpp"
#include "py_ref.hpp"

namespace hermetic::inproc::cli_bootstrap {
namespace {

// The CLI policy in two parts, set once before Py_Initialize and read once each by the hook:
// all of it but block_code_exec from `import site` on, block_code_exec from the main program on
// (.pth files of the environment run code through exec; they are start-up, not the target).
std::string& startup_policy() {
  static std::string policy;
  return policy;
}
std::string& user_code_policy() {
  static std::string policy;  // empty: nothing to add
  return policy;
}
// The hook runs with the GIL held; no other synchronisation is needed.
bool g_activated = false;
bool g_in_user_code = false;
PyObject* g_cli = nullptr;  // hermetic._cli, kept for the second phase

// The hermetic package directory: where this extension lies.
std::string package_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&hermetic_preinit), &info) == 0 || info.dli_fname == nullptr) {
    return {};
  }
  const std::string path = info.dli_fname;
  return path.substr(0, path.rfind('/'));
}

// Loads the hermetic package from `dir` itself, as importlib does for a package found on
// sys.path, but without putting its parent there: the parent (another environment's
// site-packages) must neither shadow the target's modules nor be listable under a read root.
PyObject* load_package(const std::string& dir) {
  // importlib.util's functions, from the import system's own frozen modules: already loaded at
  // this point, where importing importlib.util would cost a few modules more.
  PyRef util(PyImport_ImportModule("_frozen_importlib_external"));
  PyRef bootstrap(PyImport_ImportModule("_frozen_importlib"));
  if (!util || !bootstrap) return nullptr;
  PyRef location(PyUnicode_DecodeFSDefault((dir + "/__init__.py").c_str()));
  PyRef search(Py_BuildValue("[O&]", PyUnicode_DecodeFSDefault, dir.c_str()));
  if (!location || !search) return nullptr;
  PyRef spec_from(PyObject_GetAttrString(util.get(), "spec_from_file_location"));
  PyRef args(Py_BuildValue("(sO)", "hermetic", location.get()));
  PyRef kwargs(Py_BuildValue("{sO}", "submodule_search_locations", search.get()));
  if (!spec_from || !args || !kwargs) return nullptr;
  PyRef spec(PyObject_Call(spec_from.get(), args.get(), kwargs.get()));
  if (!spec) return nullptr;
  PyRef module(PyObject_CallMethod(bootstrap.get(), "module_from_spec", "O", spec.get()));
  if (!module) return nullptr;
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  if (PyDict_SetItemString(modules, "hermetic", module.get()) != 0) return nullptr;
  PyRef loader(PyObject_GetAttrString(spec.get(), "loader"));
  if (!loader) return nullptr;
  PyRef done(PyObject_CallMethod(loader.get(), "exec_module", "O", module.get()));
  if (!done) {
    (void)PyDict_DelItemString(modules, "hermetic");
    return nullptr;
  }
  return PyImport_ImportModule("hermetic._cli");
}

// Loads hermetic._cli and activates the policy.
int activate() {
  PyRef cli(load_package(package_dir()));
  if (!cli) return -1;
  PyRef result(PyObject_CallMethod(cli.get(), "activate", "s", startup_policy().c_str()));
  if (!result) return -1;
  g_cli = cli.release();  // lives as long as the interpreter
  return 0;
}

int enter_user_code() {
  PyRef result(user_code_policy().empty() ? PyObject_CallMethod(g_cli, "enter_user_code", nullptr)
                                          : PyObject_CallMethod(g_cli, "enter_user_code", "s",
                                                                user_code_policy().c_str()));
  return result ? 0 : -1;
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

// Phase one at `import site` (or at the main program when site is disabled), phase two at the
// main program: cpython.run_command, run_file, run_module, run_stdin, run_interactivehook.
int bootstrap_hook(const char* event, PyObject* args, void* /*data*/) {
  if (g_in_user_code) return 0;
  const bool main_program = std::strncmp(event, "cpython.run_", 12) == 0;
  if (!g_activated && (main_program || importing_site(event, args))) {
    g_activated = true;  // before activate(): its own imports fire events into this hook
    if (activate() != 0) fail_closed();
  }
  if (g_activated && main_program) {
    g_in_user_code = true;
    if (enter_user_code() != 0) fail_closed();
  }
  return 0;
}

}  // namespace
}  // namespace hermetic::inproc::cli_bootstrap

extern "C" int hermetic_preinit(const char* policy_json) {
  namespace boot = hermetic::inproc::cli_bootstrap;
  if (policy_json == nullptr) return 1;
  auto policy = hermetic::policy_from_json(policy_json);
  if (!policy) return 1;
  hermetic::Policy startup = policy.value();
  startup.block_code_exec = false;
  boot::startup_policy() = hermetic::to_json(startup);
  if (policy.value().block_code_exec) {
    hermetic::Policy code;
    code.block_code_exec = true;
    code.trace = policy.value().trace;
    boot::user_code_policy() = hermetic::to_json(code);
  }
  // Safe before Py_Initialize (documented); the hook stays for the life of the runtime.
  return PySys_AddAuditHook(boot::bootstrap_hook, nullptr) == 0 ? 0 : 1;
}
