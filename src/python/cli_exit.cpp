#include "cli_exit.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "error_classes.hpp"
#include "py_ref.hpp"
#include "violation.hpp"

namespace hermetic::inproc::cli_exit {
namespace {

[[noreturn]] void report_and_exit(const std::string& message) {
  // Through sys.stderr (redirections and pytest's capture see it), then straight out.
  PySys_FormatStderr("%s%s\n", kBlockedActionPrefix.data(), message.c_str());
  for (const char* name : {"stdout", "stderr"}) {
    PyObject* stream = PySys_GetObject(name);  // borrowed
    if (stream != nullptr && stream != Py_None) {
      PyRef flushed(PyObject_CallMethod(stream, "flush", nullptr));
    }
    PyErr_Clear();  // a closed or broken stream must not stop the exit
  }
  // As hermetic-seal: no interpreter teardown that could block or write.
  _exit(kBlockedExitStatus);
}

// Every other way a failing run ends after a blocked action: `raise SystemExit(1)` at the top
// level, an error the tool did not catch after it caught the violation. By then the interpreter
// is finalized: nothing here touches Python. (glibc's on_exit: the handler gets the status.)
void at_process_exit(int status, void* /*unused*/) {
  if (status == 0) return;
  const auto last = violation_to_report();
  if (!last) return;
  const std::string line = std::string(kBlockedActionPrefix) + *last + "\n";
  (void)!write(STDERR_FILENO, line.data(), line.size());
  _exit(kBlockedExitStatus);
}

// sys.excepthook(type, value, traceback); `previous` is the hook it replaced.
PyObject* excepthook(PyObject* previous, PyObject* args) {
  PyObject* value = arg_at(args, 1);
  PyObject* violation = error_classes::policy_violation_if_made();  // none: none raised
  if (value != nullptr && violation != nullptr) {
    const int is_violation = PyObject_IsInstance(value, violation);
    if (is_violation < 0) return nullptr;
    if (is_violation == 1) {
      PyRef text(PyObject_Str(value));
      if (!text) return nullptr;
      report_and_exit(text_of(text.get()));
    }
  }
  return PyObject_Call(previous, args, nullptr);
}

bool is_success(PyObject* status) {
  if (status == Py_None) return true;
  PyRef zero(PyLong_FromLong(0));
  if (!zero) return false;
  const int equal = PyObject_RichCompareBool(status, zero.get(), Py_EQ);
  if (equal < 0) PyErr_Clear();  // an odd status object: not a success
  return equal == 1;
}

// sys.exit(status=None); `previous` is the sys.exit it replaced.
PyObject* exit(PyObject* previous, PyObject* args) {
  PyObject* status = Py_None;
  if (PyArg_UnpackTuple(args, "exit", 0, 1, &status) == 0) return nullptr;
  const auto last = violation_to_report();
  if (last && !is_success(status)) report_and_exit(*last);
  return PyObject_Call(previous, args, nullptr);
}

// NOLINTBEGIN: CPython's API takes mutable method definitions
PyMethodDef g_excepthook = {"excepthook", excepthook, METH_VARARGS,
                            "excepthook(type, value, traceback, /)\n--\n\nhermetic's CLI: an "
                            "uncaught PolicyViolation ends the run with one line and status 2."};
PyMethodDef g_exit = {"exit", exit, METH_VARARGS,
                      "exit(status=None, /)\n--\n\nhermetic's CLI: a failing exit after a "
                      "blocked action ends the run with one line and status 2."};
// NOLINTEND

// sys.<name> = <def> bound to the current sys.<name>.
int wrap(const char* name, PyMethodDef* def) {
  PyObject* previous = PySys_GetObject(name);  // borrowed
  if (previous == nullptr) {
    PyErr_Format(PyExc_RuntimeError, "sys.%s is missing", name);
    return -1;
  }
  PyRef wrapper(PyCFunction_New(def, previous));  // keeps `previous` alive
  return wrapper ? PySys_SetObject(name, wrapper.get()) : -1;
}

}  // namespace

int install() {
  if (wrap("excepthook", &g_excepthook) != 0 || wrap("exit", &g_exit) != 0) return -1;
  // The message outlives the handler: exit handlers and static destructors run in reverse
  // order of registration, so the message is made before the handler is registered.
  (void)last_violation();
  if (on_exit(at_process_exit, nullptr) != 0) {
    PyErr_SetString(PyExc_RuntimeError, "on_exit failed");
    return -1;
  }
  return 0;
}

}  // namespace hermetic::inproc::cli_exit
