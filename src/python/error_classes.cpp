#include "error_classes.hpp"

#include <cerrno>
#include <initializer_list>
#include <utility>

#include "py_ref.hpp"

namespace hermetic::inproc::error_classes {
namespace {

// Process-lifetime references, set once by create().
PyObject* g_hermetic_error = nullptr;
PyObject* g_policy_violation = nullptr;
PyObject* g_import_violation = nullptr;
PyObject* g_permission_violation = nullptr;
PyObject* g_read_violation = nullptr;
PyObject* g_bootstrap_error = nullptr;

// __init__(self, message, *, guard=None, target=None), shared by PolicyViolation and two
// subclasses; `extra` then sets what the second base class (ImportError, PermissionError) has for
// the same facts.
using Extra = int (*)(PyObject* self, PyObject* message, PyObject* target);

PyObject* init_violation(PyObject* self, PyObject* args, PyObject* kwargs, Extra extra) {
  static const char* keywords[] = {"message", "guard", "target", nullptr};
  PyObject* message = nullptr;
  PyObject* guard = Py_None;
  PyObject* target = Py_None;
  if (PyArg_ParseTupleAndKeywords(args, kwargs, "O|$OO:__init__", const_cast<char**>(keywords),
                                  &message, &guard, &target) == 0) {
    return nullptr;
  }
  PyRef exc_args(PyTuple_Pack(1, message));  // as BaseException.__init__(message)
  if (!exc_args || PyObject_SetAttrString(self, "args", exc_args.get()) != 0 ||
      PyObject_SetAttrString(self, "guard", guard) != 0 ||
      PyObject_SetAttrString(self, "target", target) != 0) {
    return nullptr;
  }
  if (extra != nullptr && extra(self, message, target) != 0) return nullptr;
  Py_RETURN_NONE;
}

// ImportError's view of a denied import: msg, and name (the module).
int import_extra(PyObject* self, PyObject* message, PyObject* target) {
  return PyObject_SetAttrString(self, "msg", message) != 0 ||
                 PyObject_SetAttrString(self, "name", target) != 0
             ? -1
             : 0;
}

// OSError's view of a refusal: errno, strerror (the message: a tool that prints
// "{strerror}: {filename}" then names the block) and filename (None unless a path was refused).
int set_os_error(PyObject* self, PyObject* message, PyObject* error_number, PyObject* filename) {
  return PyObject_SetAttrString(self, "errno", error_number) != 0 ||
                 PyObject_SetAttrString(self, "strerror", message) != 0 ||
                 PyObject_SetAttrString(self, "filename", filename) != 0
             ? -1
             : 0;
}

// A read outside the root: the path read is the target and the filename.
int read_extra(PyObject* self, PyObject* message, PyObject* target) {
  PyRef code(PyLong_FromLong(EACCES));
  return code ? set_os_error(self, message, code.get(), target) : -1;
}

PyObject* policy_init(PyObject* self, PyObject* args, PyObject* kwargs) {
  return init_violation(self, args, kwargs, nullptr);
}
PyObject* import_init(PyObject* self, PyObject* args, PyObject* kwargs) {
  return init_violation(self, args, kwargs, import_extra);
}
PyObject* read_init(PyObject* self, PyObject* args, PyObject* kwargs) {
  return init_violation(self, args, kwargs, read_extra);
}

// __init__(self, message, *, guard=None, target=None, errno=EACCES, filename=None): what the
// kernel would have said (EACCES for a network or file access, EPERM for a new process).
PyObject* permission_init(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"message", "guard", "target", "errno", "filename", nullptr};
  PyObject* message = nullptr;
  PyObject* guard = Py_None;
  PyObject* target = Py_None;
  PyObject* error_number = nullptr;
  PyObject* filename = Py_None;
  if (PyArg_ParseTupleAndKeywords(args, kwargs, "O|$OOOO:__init__", const_cast<char**>(keywords),
                                  &message, &guard, &target, &error_number, &filename) == 0) {
    return nullptr;
  }
  PyRef exc_args(PyTuple_Pack(1, message));
  PyRef default_number(error_number == nullptr ? PyLong_FromLong(EACCES) : nullptr);
  if (error_number == nullptr) error_number = default_number.get();
  if (!exc_args || error_number == nullptr ||
      PyObject_SetAttrString(self, "args", exc_args.get()) != 0 ||
      PyObject_SetAttrString(self, "guard", guard) != 0 ||
      PyObject_SetAttrString(self, "target", target) != 0 ||
      set_os_error(self, message, error_number, filename) != 0) {
    return nullptr;
  }
  Py_RETURN_NONE;
}

// The message alone, as for every PolicyViolation (not OSError's "[Errno 13] ...").
PyObject* read_str(PyObject* self, PyObject* /*unused*/) {
  PyRef args(PyObject_GetAttrString(self, "args"));
  if (!args) return nullptr;
  if (!PyTuple_Check(args.get()) || PyTuple_Size(args.get()) == 0) {
    return PyUnicode_FromString("");
  }
  return PyObject_Str(PyTuple_GetItem(args.get(), 0));
}

// OSError's own __reduce__ would rebuild the instance from (errno, strerror, filename), which
// __init__ does not take; and BaseException's would lose errno, strerror and filename (slots,
// not in __dict__).
PyObject* read_reduce(PyObject* self, PyObject* /*unused*/) {
  PyRef args(PyObject_GetAttrString(self, "args"));
  PyRef dict(PyObject_GetAttrString(self, "__dict__"));
  if (!args || !dict) return nullptr;
  PyRef state(PyDict_Copy(dict.get()));
  if (!state) return nullptr;
  for (const char* slot : {"errno", "strerror", "filename"}) {
    PyRef value(PyObject_GetAttrString(self, slot));
    if (!value || PyDict_SetItemString(state.get(), slot, value.get()) != 0) return nullptr;
  }
  return Py_BuildValue("(OOO)", Py_TYPE(self), args.get(), state.get());
}

constexpr const char* kInitDoc =
    "__init__($self, message, *, guard=None, target=None)\n--\n\nCreate the violation; "
    "guard names the guard that blocked, target what was blocked.";

// NOLINTBEGIN: CPython's API takes mutable method definitions
PyMethodDef g_policy_init = {
    "__init__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(policy_init)),
    METH_VARARGS | METH_KEYWORDS, kInitDoc};
PyMethodDef g_import_init = {
    "__init__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(import_init)),
    METH_VARARGS | METH_KEYWORDS, kInitDoc};
PyMethodDef g_read_init = {"__init__",
                           reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(read_init)),
                           METH_VARARGS | METH_KEYWORDS, kInitDoc};
PyMethodDef g_permission_init = {
    "__init__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(permission_init)),
    METH_VARARGS | METH_KEYWORDS,
    "__init__($self, message, *, guard=None, target=None, errno=13, filename=None)\n--\n\n"
    "Create the violation; guard names the guard that blocked, target what was blocked, errno "
    "and filename what the kernel's refusal would carry."};
PyMethodDef g_read_str = {"__str__", read_str, METH_NOARGS,
                          "__str__($self, /)\n--\n\nThe message."};
PyMethodDef g_read_reduce = {"__reduce__", read_reduce, METH_NOARGS,
                             "__reduce__($self, /)\n--\n\nFor pickle: message, guard, target "
                             "and filename."};
// NOLINTEND

// A C function as a method of the class, the way C types have theirs: a method descriptor,
// which binds to the instance and which inspect.signature reads from its text signature. Its
// type is BaseException (the class does not exist yet when its body is made): every instance
// the method can be called on is one.
int set_method(PyObject* dict, PyMethodDef* def) {
  PyRef method(PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(PyExc_BaseException), def));
  return method ? PyDict_SetItemString(dict, def->ml_name, method.get()) : -1;
}

// A class named hermetic.errors.<name>, as `class <name>(*bases)` with `methods` in its body.
PyObject* make_class(const char* name, const char* doc, PyObject* bases,
                     std::initializer_list<PyMethodDef*> methods) {
  PyRef dict(PyDict_New());
  if (!dict) return nullptr;
  for (PyMethodDef* def : methods) {
    if (set_method(dict.get(), def) != 0) return nullptr;
  }
  return PyErr_NewExceptionWithDoc(name, doc, bases, dict.get());
}

int make_all() {
  PyRef hermetic_error(make_class("hermetic.errors.HermeticError", "Base for hermetic failures.",
                                  PyExc_RuntimeError, {}));
  if (!hermetic_error) return -1;
  PyRef policy_violation(make_class(
      "hermetic.errors.PolicyViolation",
      "Raised when a guard blocks an action.\n\nAttributes:\n    guard: machine-readable guard "
      "name (\"network\", \"subprocess\", \"filesystem\",\n           \"environment\", "
      "\"code_exec\", \"interpreter\", \"imports\").\n    target: what was blocked (host, path, "
      "import name...), or None.",
      hermetic_error.get(), {&g_policy_init}));
  if (!policy_violation) return -1;
  PyRef import_bases(Py_BuildValue("(OO)", policy_violation.get(), PyExc_ImportError));
  PyRef permission_bases(Py_BuildValue("(OO)", policy_violation.get(), PyExc_PermissionError));
  if (!import_bases || !permission_bases) return -1;
  PyRef import_violation(
      make_class("hermetic.errors.ImportPolicyViolation",
                 "A denied import: a PolicyViolation that `except ImportError` also catches.",
                 import_bases.get(), {&g_import_init}));
  PyRef permission_violation(make_class(
      "hermetic.errors.PermissionPolicyViolation",
      "A refused action the kernel would refuse with an error (a connection, a write, a new "
      "process): a PolicyViolation that is also the PermissionError the kernel's refusal would "
      "raise, so `except OSError` handlers work.\n\nAttributes: errno (EACCES, or EPERM for a "
      "new process), strerror (the message), filename (the path refused, or None).",
      permission_bases.get(), {&g_permission_init, &g_read_str, &g_read_reduce}));
  if (!import_violation || !permission_violation) return -1;
  PyRef read_bases(PyTuple_Pack(1, permission_violation.get()));
  PyRef read_violation(read_bases
                           ? make_class("hermetic.errors.ReadOutsideRootViolation",
                                        "A read outside fs_root: a PolicyViolation that is also a "
                                        "PermissionError, whose filename is the path read.",
                                        read_bases.get(), {&g_read_init})
                           : nullptr);
  PyRef bootstrap_error(make_class("hermetic.errors.BootstrapError",
                                   "Raised when bootstrap mode fails.", hermetic_error.get(), {}));
  if (!read_violation || !bootstrap_error) return -1;
  g_hermetic_error = hermetic_error.release();
  g_policy_violation = policy_violation.release();
  g_import_violation = import_violation.release();
  g_permission_violation = permission_violation.release();
  g_read_violation = read_violation.release();
  g_bootstrap_error = bootstrap_error.release();
  return 0;
}

int create() {
  if (g_policy_violation != nullptr) return 0;
  // Made from inside the audit hook (the first denial): should making a class ever raise an
  // event that is denied in turn, that denial must not start over.
  static bool creating = false;  // the GIL orders callers
  if (creating) {
    PyErr_SetString(PyExc_RuntimeError, "hermetic: exception classes are being made");
    return -1;
  }
  creating = true;
  const int made = make_all();
  creating = false;
  return made;
}

}  // namespace

PyObject* module_getattr(PyObject* module, PyObject* name) {
  static constexpr std::pair<const char*, PyObject* (*)()> kClasses[] = {
      {"HermeticError", hermetic_error},
      {"PolicyViolation", policy_violation},
      {"ImportPolicyViolation", import_violation},
      {"PermissionPolicyViolation", permission_violation},
      {"ReadOutsideRootViolation", read_violation},
      {"BootstrapError", bootstrap_error},
  };
  if (PyUnicode_Check(name)) {
    for (const auto& [class_name, get] : kClasses) {
      if (PyUnicode_CompareWithASCIIString(name, class_name) == 0) {
        PyObject* cls = get();
        Py_XINCREF(cls);
        return cls;
      }
    }
  }
  const char* module_name = PyModule_GetName(module);
  PyErr_Format(PyExc_AttributeError, "module '%s' has no attribute %R",
               module_name != nullptr ? module_name : "?", name);
  return nullptr;
}

PyObject* hermetic_error() { return create() == 0 ? g_hermetic_error : nullptr; }
PyObject* policy_violation() { return create() == 0 ? g_policy_violation : nullptr; }
PyObject* import_violation() { return create() == 0 ? g_import_violation : nullptr; }
PyObject* permission_violation() { return create() == 0 ? g_permission_violation : nullptr; }
PyObject* read_violation() { return create() == 0 ? g_read_violation : nullptr; }
PyObject* bootstrap_error() { return create() == 0 ? g_bootstrap_error : nullptr; }
PyObject* policy_violation_if_made() noexcept { return g_policy_violation; }

}  // namespace hermetic::inproc::error_classes
