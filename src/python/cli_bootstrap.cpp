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

std::string& pending_policy() {
  static std::string policy;  // set once before Py_Initialize, read once by the hook
  return policy;
}
// The hook runs with the GIL held; no other synchronisation is needed.
bool g_activated = false;
bool g_in_user_code = false;
PyObject* g_cli = nullptr;  // hermetic._cli, kept for the second phase

// The directory holding the hermetic package: the parent of this extension's directory.
std::string package_parent() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&hermetic_preinit), &info) == 0 || info.dli_fname == nullptr) {
    return {};
  }
  std::string path = info.dli_fname;
  for (int up = 0; up < 2; ++up) path = path.substr(0, path.rfind('/'));  // .../hermetic/x.so
  return path;
}

// Imports hermetic._cli with the package's parent first on sys.path (the target may be another
// environment's interpreter), restores sys.path, and activates the policy.
int activate() {
  PyObject* sys_path = PySys_GetObject("path");  // borrowed
  if (sys_path == nullptr || !PyList_Check(sys_path)) return -1;
  const std::string parent = package_parent();
  PyRef entry(PyUnicode_DecodeFSDefault(parent.c_str()));
  if (!entry || PyList_Insert(sys_path, 0, entry.get()) != 0) return -1;
  PyRef cli(PyImport_ImportModule("hermetic._cli"));
  // Take our entry back out whatever happened; it must not shadow the target's own modules.
  const Py_ssize_t at = PySequence_Index(sys_path, entry.get());
  if (at >= 0) {
    (void)PySequence_DelItem(sys_path, at);
  } else {
    PyErr_Clear();
  }
  if (!cli) return -1;
  PyRef result(PyObject_CallMethod(cli.get(), "activate", "s", pending_policy().c_str()));
  if (!result) return -1;
  g_cli = cli.release();  // lives as long as the interpreter
  return 0;
}

int enter_user_code() {
  PyRef result(PyObject_CallMethod(g_cli, "enter_user_code", nullptr));
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
  if (policy_json == nullptr || !hermetic::policy_from_json(policy_json).ok()) return 1;
  boot::pending_policy() = policy_json;
  // Safe before Py_Initialize (documented); the hook stays for the life of the runtime.
  return PySys_AddAuditHook(boot::bootstrap_hook, nullptr) == 0 ? 0 : 1;
}
