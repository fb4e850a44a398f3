#include "violation.hpp"

#include <cerrno>
#include <optional>

#include "py_ref.hpp"

namespace hermetic::inproc {
namespace {

// Process-lifetime references (see error_types::set).
PyObject* g_policy_violation = nullptr;
PyObject* g_import_violation = nullptr;
PyObject* g_read_violation = nullptr;
PyObject* g_hermetic_error = nullptr;

PyObject* type_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kImport:
      return g_import_violation != nullptr ? g_import_violation : PyExc_ImportError;
    case ErrorKind::kReadOutside:
      return g_read_violation != nullptr ? g_read_violation : PyExc_PermissionError;
    case ErrorKind::kPolicy:
      break;
  }
  return g_policy_violation != nullptr ? g_policy_violation : PyExc_PermissionError;
}

void raise(const Denial& denial) {
  PyObject* type = type_for(denial.kind);
  PyRef message(PyUnicode_DecodeUTF8(denial.message.data(),
                                     static_cast<Py_ssize_t>(denial.message.size()), "replace"));
  if (!message) return;
  if (type == g_policy_violation || type == g_import_violation || type == g_read_violation) {
    // PolicyViolation(message, *, guard=..., target=...)
    PyRef args(PyTuple_Pack(1, message.get()));
    PyRef kwargs(PyDict_New());
    if (!args || !kwargs) return;
    PyRef guard(PyUnicode_FromString(denial.guard));
    PyRef target(
        denial.target.empty()
            ? PyRef::borrow(Py_None)
            : PyRef(PyUnicode_DecodeUTF8(
                  denial.target.data(), static_cast<Py_ssize_t>(denial.target.size()), "replace")));
    if (!guard || !target) return;
    if (PyDict_SetItemString(kwargs.get(), "guard", guard.get()) != 0 ||
        PyDict_SetItemString(kwargs.get(), "target", target.get()) != 0) {
      return;
    }
    PyRef exc(PyObject_Call(type, args.get(), kwargs.get()));
    if (!exc) return;
    PyErr_SetObject(type, exc.get());
    return;
  }
  PyErr_SetObject(type, message.get());
}

}  // namespace

void trace_line(const std::string& message) {
  // Through sys.stderr (not fd 2) so that redirections and pytest's capture see it.
  PySys_FormatStderr("hermetic: blocked action: %s\n", message.c_str());
}

std::optional<std::string>& last_violation() {
  static std::optional<std::string> last;  // the GIL orders writers
  return last;
}

int deny(const Snapshot& snapshot, const Denial& denial) {
  // Denied imports and reads outside the root are meant to be tolerated (ImportError fallbacks,
  // unreadable files); only the other kinds make a failing CLI run a blocked one. The last one
  // counts: libraries probe at import (urllib3 tries an AF_INET6 socket) and carry on.
  if (denial.kind == ErrorKind::kPolicy) last_violation() = denial.message;
  if (snapshot.merged.trace) trace_line(denial.message);
  raise(denial);
  return -1;
}

PyObject* deny_now(const Denial& denial) {
  deny(*policy_stack::current(), denial);
  return nullptr;
}

int refuse_quietly(const std::string& path) {
  PyRef filename(
      PyUnicode_DecodeFSDefaultAndSize(path.data(), static_cast<Py_ssize_t>(path.size())));
  if (!filename) return -1;
  PyRef exc(PyObject_CallFunction(PyExc_PermissionError, "isO", EACCES,
                                  "hermetic: filesystem is read-only", filename.get()));
  if (exc) PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.get())), exc.get());
  return -1;
}

namespace error_types {
void set(PyObject* policy_violation, PyObject* import_violation, PyObject* read_violation,
         PyObject* hermetic_error) {
  for (PyObject* obj : {policy_violation, import_violation, read_violation, hermetic_error}) {
    Py_INCREF(obj);
  }
  for (PyObject* old :
       {g_policy_violation, g_import_violation, g_read_violation, g_hermetic_error}) {
    Py_XDECREF(old);
  }
  g_policy_violation = policy_violation;
  g_import_violation = import_violation;
  g_read_violation = read_violation;
  g_hermetic_error = hermetic_error;
}
PyObject* hermetic_error() {
  return g_hermetic_error != nullptr ? g_hermetic_error : PyExc_RuntimeError;
}
}  // namespace error_types

}  // namespace hermetic::inproc
