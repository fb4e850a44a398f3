// hermetic._hermetic: the in-process layer's native module. Importing it registers the audit
// hook (audit_hook.cpp); the functions below are the only way Python changes what the hook
// enforces. The pure-Python package (python/hermetic) is a thin layer over them.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

#include "audit_hook.hpp"
#include "cli_bootstrap.hpp"
#include "error_classes.hpp"
#include "guards.hpp"
#include "hermetic/launch.hpp"
#include "hermetic/policy.hpp"
#include "isolation.hpp"
#include "learn_view.hpp"
#include "level_token.hpp"
#include "policy_convert.hpp"
#include "policy_stack.hpp"
#include "py_ref.hpp"
#include "seal.hpp"
#include "stdlib_extensions.hpp"
#include "violation.hpp"

namespace {

using namespace hermetic::inproc;  // NOLINT(google-build-using-namespace): module glue

// Pushes a built policy; a sealed one first gets the kernel layer (so a failure leaves the
// stack unchanged) and then becomes permanent.
PyObject* push_policy(hermetic::Result<hermetic::Policy> built, std::string report_path = {}) {
  if (PyErr_Occurred()) return nullptr;
  if (!built) {
    PyErr_SetString(PyExc_ValueError, built.error().message.c_str());
    return nullptr;
  }
  hermetic::Policy policy = std::move(built).value();
  if (policy.block_code_exec && code_guard::trust_stdlib_generators() != 0) return nullptr;
  const bool sealed = policy.sealed;
  if (sealed && raise_unless_ok(seal::apply_kernel(policy_stack::preview_push(policy))) != 0) {
    return nullptr;
  }
  return level_token::make(policy_stack::push(std::move(policy), sealed, Face::kApi,
                                              /*environment_scrubbed=*/false,
                                              std::move(report_path)));
}

// The named profiles, from the core's table (src/core/policy/profiles.cpp): the one place they are
// written down; hermetic.profiles builds hermetic-seal's PROFILES from these.
PyObject* profile_names(PyObject* /*self*/, PyObject* /*unused*/) {
  const auto& names = hermetic::profile_names();
  PyRef out(PyTuple_New(static_cast<Py_ssize_t>(names.size())));
  if (!out) return nullptr;
  for (std::size_t i = 0; i < names.size(); ++i) {
    PyObject* name =
        PyUnicode_FromStringAndSize(names[i].data(), static_cast<Py_ssize_t>(names[i].size()));
    if (name == nullptr) return nullptr;
    PyTuple_SetItem(out.get(), static_cast<Py_ssize_t>(i), name);  // steals the reference
  }
  return out.release();
}

PyObject* profile_json(PyObject* /*self*/, PyObject* arg) {
  const char* name = PyUnicode_AsUTF8AndSize(arg, nullptr);
  if (name == nullptr) return nullptr;
  const auto preset = hermetic::profile(name);
  if (!preset) {
    PyErr_SetString(PyExc_ValueError, preset.error().message.c_str());
    return nullptr;
  }
  const std::string text = hermetic::to_json(preset.value());
  return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyObject* policy_fields(PyObject* /*self*/, PyObject* /*unused*/) { return policy_fields_tuple(); }

PyObject* load_policy(PyObject* /*self*/, PyObject* args) { return load_policy_tuple(args); }

PyObject* unite(PyObject* /*self*/, PyObject* args) {
  PyObject* a = nullptr;
  PyObject* b = nullptr;
  if (PyArg_ParseTuple(args, "OO:unite", &a, &b) == 0) return nullptr;
  return unite_dicts(a, b);
}

PyObject* deny_native_code(PyObject* /*self*/, PyObject* /*unused*/) {
  if (stdlib_extensions::map_all() != 0 ||
      raise_unless_ok(hermetic::deny_native_code_in_self()) != 0) {
    return nullptr;
  }
  subprocess_guard::note_native_rows();
  Py_RETURN_NONE;
}

// push(policy, report=None): `report` is the absolute path of the blocker's report file, which
// the caller created (blocker.py).
PyObject* push(PyObject* /*self*/, PyObject* args) {
  PyObject* dict = nullptr;
  PyObject* report = Py_None;
  if (PyArg_ParseTuple(args, "O|O:push", &dict, &report) == 0) return nullptr;
  std::string report_path;
  if (report != Py_None && !path_of(report, &report_path)) {
    PyErr_SetString(PyExc_TypeError, "push(): report must be a path or None");
    return nullptr;
  }
  return push_policy(policy_from_dict(dict), std::move(report_path));
}

PyObject* push_json(PyObject* /*self*/, PyObject* arg) {
  const char* text = PyUnicode_AsUTF8AndSize(arg, nullptr);
  if (text == nullptr) return nullptr;
  return push_policy(hermetic::policy_from_json(text));
}

// Only the token push() returned lifts a level: the code a level guards cannot name it.
bool take_token(PyObject* arg, const char* function, std::uint64_t* id) {
  const auto token = level_token::id_of(arg);
  if (!token) {
    PyErr_Format(PyExc_TypeError, "%s() takes the token a blocker got from push()", function);
    return false;
  }
  *id = *token;
  return true;
}

PyObject* pop(PyObject* /*self*/, PyObject* arg) {
  std::uint64_t token = 0;
  if (!take_token(arg, "pop", &token)) return nullptr;
  const bool removed = policy_stack::pop(token);
  if (!policy_stack::active()) network_guard::forget_pins();
  return PyBool_FromLong(removed ? 1 : 0);
}

int set_flag(PyObject* dict, const char* key, bool on) {
  return PyDict_SetItemString(dict, key, on ? Py_True : Py_False);
}

PyObject* effective(PyObject* /*self*/, PyObject* /*unused*/) {
  const auto snapshot = policy_stack::current();
  const hermetic::Policy& m = snapshot->merged;
  PyRef out(PyDict_New());
  if (!out) return nullptr;
  if (set_flag(out.get(), "block_network", m.block_network) != 0 ||
      set_flag(out.get(), "block_subprocess", m.block_subprocess) != 0 ||
      set_flag(out.get(), "fs_readonly", m.fs_readonly) != 0 ||
      set_flag(out.get(), "block_environment", m.block_environment) != 0 ||
      set_flag(out.get(), "refuses_environment", snapshot->refuses_environment) != 0 ||
      set_flag(out.get(), "block_code_exec", m.block_code_exec) != 0 ||
      set_flag(out.get(), "block_native", m.block_native) != 0 ||
      set_flag(out.get(), "block_interpreter_mutation", m.block_interpreter_mutation) != 0 ||
      set_flag(out.get(), "deny_imports", !m.deny_imports.empty()) != 0 ||
      set_flag(out.get(), "trace", m.trace) != 0 ||
      set_flag(out.get(), "sealed", snapshot->sealed_floor > 0) != 0) {
    return nullptr;
  }
  PyRef levels(PyLong_FromSize_t(snapshot->levels.size()));
  if (!levels || PyDict_SetItemString(out.get(), "levels", levels.get()) != 0) return nullptr;
  return out.release();
}

PyObject* levels_json(PyObject* /*self*/, PyObject* /*unused*/) {
  const auto snapshot = policy_stack::current();
  std::string text = "[";
  for (const auto& level : snapshot->levels) {
    if (text.size() > 1) text += ",";
    text += hermetic::to_json(level.policy);
  }
  text += "]";
  return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyObject* deny(PyObject* /*self*/, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"guard", "message", "target", "kind", nullptr};
  const char* guard = nullptr;
  const char* message = nullptr;
  const char* target = nullptr;
  const char* kind = "policy";
  if (PyArg_ParseTupleAndKeywords(args, kwargs, "ss|zs", const_cast<char**>(keywords), &guard,
                                  &message, &target, &kind) == 0) {
    return nullptr;
  }
  const std::string k = kind;
  const ErrorKind error_kind = k == "import" ? ErrorKind::kImport
                               : k == "read" ? ErrorKind::kReadOutside
                                             : ErrorKind::kPolicy;
  // `guard` points into an argument that outlives this call, and deny_now is done with it on
  // return.
  return deny_now({guard, message, target != nullptr ? target : "", error_kind});
}

PyObject* wrap_fork_exec(PyObject* /*self*/, PyObject* original) {
  return subprocess_guard::wrap_fork_exec(original);
}

PyObject* wrap_import(PyObject* /*self*/, PyObject* original) {
  return import_guard::wrap_import(original);
}

PyObject* check_import(PyObject* /*self*/, PyObject* name) {
  return import_guard::check_name(name);
}

PyObject* name_code_entry(PyObject* /*self*/, PyObject* args) {
  PyObject* original = nullptr;
  PyObject* name = nullptr;
  if (PyArg_UnpackTuple(args, "name_code_entry", 2, 2, &original, &name) == 0) return nullptr;
  return code_guard::name_entry(original, name);
}

PyObject* guard_code_helper(PyObject* /*self*/, PyObject* args) {
  PyObject* original = nullptr;
  PyObject* name = nullptr;
  if (PyArg_UnpackTuple(args, "guard_code_helper", 2, 2, &original, &name) == 0) return nullptr;
  return code_guard::guard_helper(original, name);
}

PyObject* watch_interpreter_lists(PyObject* /*self*/, PyObject* args) {
  PyObject* lists = nullptr;
  PyObject* token = nullptr;
  std::uint64_t id = 0;
  if (PyArg_UnpackTuple(args, "watch_interpreter_lists", 2, 2, &lists, &token) == 0 ||
      !take_token(token, "watch_interpreter_lists", &id)) {
    return nullptr;
  }
  return interpreter_guard::watch_lists(lists);
}

PyObject* environment_readable(PyObject* /*self*/, PyObject* name) {
  return env_guard::readable(name);
}

PyObject* observe_environment(PyObject* /*self*/, PyObject* name) {
  return learn_view::observe_environment(name);
}

PyObject* observe_code(PyObject* /*self*/, PyObject* name) {
  return learn_view::observe_code(name);
}

PyObject* extension_allowed(PyObject* /*self*/, PyObject* path) {
  std::string file;
  if (!path_of(path, &file)) {
    PyErr_Clear();
    Py_RETURN_FALSE;
  }
  return PyBool_FromLong(stdlib_extensions::contains(file) ? 1 : 0);
}

PyObject* kernel_part_json(PyObject* /*self*/, PyObject* /*unused*/) {
  const auto text = hermetic::to_json(seal::kernel_part(*policy_stack::current()));
  return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyMethodDef methods[] = {  // NOLINT: CPython's API takes a mutable array
    {"push", push, METH_VARARGS,
     "push(policy: dict, report: str | None = None) -> Token\n\nActivate a policy level (keys "
     "as in the JSON form), its refusals reported as JSON lines to the file `report` (an "
     "absolute path); returns its token, the only way to pop it. A sealed policy also gets the "
     "kernel layer and can never be popped."},
    {"push_json", push_json, METH_O,
     "push_json(text: str) -> Token\n\nLike push, from the JSON form (hermetic::to_json)."},
    {"profile_names", profile_names, METH_NOARGS,
     "profile_names() -> tuple[str, ...]\n\nThe named profiles (block-all, net-hermetic, ...)."},
    {"profile_json", profile_json, METH_O,
     "profile_json(name: str) -> str\n\nA named profile in the JSON form of a policy."},
    {"policy_fields", policy_fields, METH_NOARGS,
     "policy_fields() -> tuple[tuple[str, str, str, str, tuple[str, ...], str, str, str, str], "
     "...]\n\nThe policy's fields (include/hermetic/policy_fields.hpp): key, type, role, layer, "
     "CLI options, metavar, help, the block an exception widens, the switch a field implies."},
    {"load_policy", load_policy, METH_VARARGS,
     "load_policy(name: str, file: str | None, start: str, extra: dict) -> tuple[str, str, str]"
     "\n\nPolicy `name` (\"\": the default) of `file` or of the policy file found from `start` "
     "upward, as (JSON, file, name); `extra` (the keywords beside it) may only tighten it."},
    {"unite", unite, METH_VARARGS,
     "unite(a: dict, b: dict) -> dict\n\nThe union of two policies' field values: switches by "
     "`or`, lists joined, one read root (ValueError for two)."},
    {"deny_native_code", deny_native_code, METH_NOARGS,
     "deny_native_code() -> None\n\nMaps the interpreter's standard-library extension modules, "
     "then from now on no thread of this process may map executable "
     "memory (seccomp; irreversible): the kernel part of block_native."},
    {"pop", pop, METH_O,
     "pop(token: Token) -> bool\n\nDeactivate the level push() returned `token` for; False when "
     "it is sealed or gone."},
    {"environment_readable", environment_readable, METH_O,
     "environment_readable(name: str | bytes) -> bool\n\nWhether the variable may be read: every "
     "level that refuses the environment keeps it (keep_env)."},
    {"observe_environment", observe_environment, METH_O,
     "observe_environment(name: str | bytes | None) -> None\n\nLearn mode: the program read "
     "variable `name`, or (None) the whole environment; reported once per process."},
    {"observe_code", observe_code, METH_O,
     "observe_code(name: str) -> None\n\nLearn mode: the program called runpy's `name`, which "
     "block_code_exec refuses."},
    {"extension_allowed", extension_allowed, METH_O,
     "extension_allowed(path: str) -> bool\n\nWhether block_native lets the extension file load: "
     "one of the running interpreter's own standard-library extension modules."},
    {"effective", effective, METH_NOARGS,
     "effective() -> dict\n\nWhich guards are on now (union of the levels)."},
    {"levels_json", levels_json, METH_NOARGS,
     "levels_json() -> str\n\nThe active levels as a JSON list, outermost first."},
    {"kernel_part_json", kernel_part_json, METH_NOARGS,
     "kernel_part_json() -> str\n\nWhat sealing the current levels would enforce in the kernel."},
    {"prepare_isolation", isolation::prepare, METH_O,
     "prepare_isolation(policy: dict) -> Isolation\n\nThe policy's kernel layer prepared for "
     "forked children (the pytest plugin's isolation), network exceptions and fs_readonly "
     "served by a supervisor in this process (src/python/isolation.hpp)."},
    {"listener_available", isolation::listener_available, METH_NOARGS,
     "listener_available() -> bool\n\nWhether a forked child's seccomp filter may have a "
     "listener (not under a supervised filter already: one per filter chain)."},
    {"deny", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(deny)),
     METH_VARARGS | METH_KEYWORDS,
     "deny(guard, message, target=None, kind='policy') -> NoReturn\n\nReport a blocked action "
     "found by a Python-side guard: trace it and raise the violation."},
    {"__getattr__", error_classes::module_getattr, METH_O,
     "__getattr__(name)\n\nhermetic's exception classes (PolicyViolation, ...), made when first "
     "asked for."},
    {"find_spec",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(cli_bootstrap::find_spec)),
     METH_VARARGS | METH_KEYWORDS,
     "find_spec(name, path=None, target=None) -> ModuleSpec | None\n\nThe meta-path finder "
     "of a CLI run: answers `hermetic` with the package this module lies in."},
    {"wrap_fork_exec", wrap_fork_exec, METH_O,
     "wrap_fork_exec(original) -> callable\n\nA fork_exec that refuses while subprocesses are "
     "blocked."},
    {"name_code_entry", name_code_entry, METH_VARARGS,
     "name_code_entry(original, name) -> callable\n\n`original` (eval, exec, compile), whose "
     "refusals under block_code_exec name it."},
    {"guard_code_helper", guard_code_helper, METH_VARARGS,
     "guard_code_helper(original, name) -> callable\n\n`original` (runpy.run_path, "
     "run_module), refused while code execution is blocked."},
    {"check_import", check_import, METH_O,
     "check_import(name) -> None\n\nRaises the violation an import of `name` would (a denied "
     "module or a native interface); None when it may be imported."},
    {"watch_interpreter_lists", watch_interpreter_lists, METH_VARARGS,
     "watch_interpreter_lists(lists, token) -> None\n\n(sys.path, sys.meta_path, "
     "sys.path_hooks) as they are now: while interpreter mutation is blocked, an import after "
     "they change is refused. None stops watching. `token`: one push() returned."},
    {"wrap_import", wrap_import, METH_O,
     "wrap_import(original) -> callable\n\nAn __import__ that refuses denied modules even when "
     "already loaded."},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module = {PyModuleDef_HEAD_INIT,
                      "_hermetic",
                      "hermetic's native in-process layer: the audit hook and the policy stack.",
                      -1,
                      methods,
                      nullptr,
                      nullptr,
                      nullptr,
                      nullptr};

}  // namespace

// The name CPython looks for: PyInit_ followed by the module name (_hermetic).
PyMODINIT_FUNC PyInit__hermetic() {  // NOLINT(bugprone-reserved-identifier)
  PyRef mod(PyModule_Create(&module));
  if (!mod) return nullptr;
  if (audit_hook::install() != 0) return nullptr;
  return mod.release();
}
