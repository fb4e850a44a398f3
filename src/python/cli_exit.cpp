#include "cli_exit.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "error_classes.hpp"
#include "py_ref.hpp"
#include "violation.hpp"

namespace hermetic::inproc::cli_exit {
namespace {

// sys.exit(n) called in the main thread while a violation was handled: that violation's message
// and the status the exit will have. Every other sys.exit of the main thread and every uncaught
// error clears it. The GIL orders writers; the exit handler reads it after finalization.
struct Blame {
  std::string message;
  int status = 0;
};
std::optional<Blame>& blame() {
  static std::optional<Blame> value;
  return value;
}

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

void write_stderr(const std::string& line) {
  (void)!write(STDERR_FILENO, line.data(), line.size());
}

// The end of every exit (glibc's on_exit: the handler gets the status). By then the interpreter
// is finalized: nothing here touches Python.
void at_process_exit(int status, void* /*unused*/) {
  constexpr int kStatusBits = 0xff;  // what a parent sees of exit(status): sys.exit(256) is 0
  if ((status & kStatusBits) == 0) return;
  if (const auto& blamed = blame(); blamed && blamed->status == status) {
    write_stderr(std::string(kBlockedActionPrefix) + blamed->message + "\n");
    _exit(kBlockedExitStatus);
  }
  const auto last = violation_to_report();
  if (!last) return;
  const std::size_t count = violation_count();
  const std::string refused = count > 1 ? "refused " + std::to_string(count) + " actions, the last"
                                        : std::string("refused an action");
  write_stderr(std::string(kNotePrefix) + "exit status " + std::to_string(status & kStatusBits) +
               " is the program's own; it went on after hermetic " + refused + ": " + *last + "\n");
}

// BaseExceptionGroup (3.11+), or nullptr. Borrowed from builtins.
PyObject* exception_group_type() {
  PyObject* builtins = PyEval_GetBuiltins();  // borrowed
  return builtins != nullptr ? PyDict_GetItemString(builtins, "BaseExceptionGroup") : nullptr;
}

// The first PolicyViolation in what `exc` carries: itself, its __cause__ and __context__ and
// the members of an exception group, transitively. Returns a new reference, or nullptr (with
// no error set) when there is none.
PyObject* violation_in(PyObject* exc) {
  PyObject* violation = error_classes::policy_violation_if_made();  // none: none raised
  if (violation == nullptr || exc == nullptr || exc == Py_None) return nullptr;
  PyObject* group = exception_group_type();
  std::vector<PyRef> seen;  // each visited once: chains may be cyclic
  std::vector<PyRef> pending;
  pending.push_back(PyRef::borrow(exc));
  constexpr std::size_t kLimit = 256;  // a pathological chain is not walked to its end
  while (!pending.empty() && seen.size() < kLimit) {
    PyRef current = std::move(pending.back());
    pending.pop_back();
    if (!current || current.get() == Py_None ||
        std::any_of(seen.begin(), seen.end(),
                    [&](const PyRef& s) { return s.get() == current.get(); })) {
      continue;
    }
    if (PyObject_IsInstance(current.get(), violation) == 1) return current.release();
    PyErr_Clear();
    if (PyExceptionInstance_Check(current.get())) {
      pending.emplace_back(PyException_GetContext(current.get()));
      pending.emplace_back(PyException_GetCause(current.get()));
    }
    if (group != nullptr && PyObject_IsInstance(current.get(), group) == 1) {
      PyRef members(PyObject_GetAttrString(current.get(), "exceptions"));
      for (Py_ssize_t i = items_in(members.get()) - 1; i >= 0; --i) {
        pending.push_back(PyRef::borrow(item_at(members.get(), i)));
      }
    }
    PyErr_Clear();
    seen.push_back(std::move(current));
  }
  return nullptr;
}

std::optional<std::string> message_of(PyObject* exc) {
  PyRef text(PyObject_Str(exc));
  if (!text) {
    PyErr_Clear();
    return std::nullopt;
  }
  return text_of(text.get());
}

// sys.excepthook(type, value, traceback); `previous` is the hook it replaced. Called for the main
// thread's uncaught error, just before the run ends with status 1.
PyObject* excepthook(PyObject* previous, PyObject* args) {
  PyRef found(violation_in(arg_at(args, 1)));
  if (found) {
    if (const auto message = message_of(found.get())) report_and_exit(*message);
  }
  blame().reset();  // an error of the program's own ends it
  return PyObject_Call(previous, args, nullptr);
}

// The status an exit with SystemExit(code) gets, as CPython computes it.
int status_of(PyObject* code) {
  if (code == Py_None) return 0;
  if (!PyLong_Check(code)) return 1;  // printed, then status 1
  const long value = PyLong_AsLong(code);
  if (value == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return -1;
  }
  return static_cast<int>(value);
}

// SystemExit ends the process only from the main thread (in another it ends the thread).
bool in_main_thread() {
  PyObject* threading = PyDict_GetItemString(PyImport_GetModuleDict(), "threading");  // borrowed
  if (threading == nullptr) return true;  // no thread made through threading
  PyRef main(PyObject_CallMethod(threading, "main_thread", nullptr));
  PyRef current(PyObject_CallMethod(threading, "current_thread", nullptr));
  if (!main || !current) {
    PyErr_Clear();
    return true;
  }
  return main.get() == current.get();
}

// sys.exit(status=None); `previous` is the sys.exit it replaced. Nothing is decided here: the
// program may catch the SystemExit (pytest.raises(SystemExit), a CLI framework's test runner).
PyObject* exit(PyObject* previous, PyObject* args) {
  PyObject* status = Py_None;
  if (PyArg_UnpackTuple(args, "exit", 0, 1, &status) == 0) return nullptr;
  if (in_main_thread()) {
    blame().reset();
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* traceback = nullptr;
    PyErr_GetExcInfo(&type, &value, &traceback);  // the exception being handled, if any
    PyRef owned_type(type);
    PyRef handled(value);
    PyRef owned_traceback(traceback);
    PyRef found(violation_in(handled.get()));
    if (found) {
      if (auto message = message_of(found.get())) {
        blame() = Blame{std::move(*message), status_of(status)};
      }
    }
  }
  return PyObject_Call(previous, args, nullptr);
}

// An atexit callback, the last to run (registered first): an uncaught error that a hook of the
// program's own printed (rich, IPython, better_exceptions replace sys.excepthook) never reached
// the wrapper above, but CPython kept it in sys.last_exc / sys.last_value before calling the
// hook. When a violation ended the program that way, the run ends as the wrapper would have
// ended it, once the exit status, 1, is known.
PyObject* after_program(PyObject* /*self*/, PyObject* /*unused*/) {
  PyObject* last = PySys_GetObject("last_exc");  // borrowed; 3.12+
  if (last == nullptr) last = PySys_GetObject("last_value");
  PyRef found(violation_in(last));
  if (found) {
    if (auto message = message_of(found.get())) blame() = Blame{std::move(*message), 1};
  }
  PyErr_Clear();
  Py_RETURN_NONE;
}

// NOLINTBEGIN: CPython's API takes mutable method definitions
PyMethodDef g_after_program = {"hermetic_exit_status", after_program, METH_NOARGS,
                               "hermetic's CLI: whether an uncaught violation ended the program, "
                               "when a hook of its own printed it."};
// NOLINTEND

// atexit.register(after_program), at the first refusal (its place among the callbacks does not
// matter: sys.last_exc is set before any runs). A failure (atexit denied by --deny-import, say)
// only loses this refinement: the error is dropped, the refusal goes on.
void register_after_program() {
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);  // none is expected; kept as it was all the same
  {
    PyRef atexit(PyImport_ImportModule("atexit"));  // built in: no file is read
    PyRef callback(atexit ? PyCFunction_New(&g_after_program, nullptr) : nullptr);
    PyRef registered(callback ? PyObject_CallMethod(atexit.get(), "register", "O", callback.get())
                              : nullptr);
  }
  PyErr_Clear();
  PyErr_Restore(type, value, traceback);
}

// NOLINTBEGIN: CPython's API takes mutable method definitions
PyMethodDef g_excepthook = {"excepthook", excepthook, METH_VARARGS,
                            "excepthook(type, value, traceback, /)\n--\n\nhermetic's CLI: an "
                            "uncaught PolicyViolation (or an error raised from one) ends the run "
                            "with one line and status 2."};
PyMethodDef g_exit = {"exit", exit, METH_VARARGS,
                      "exit(status=None, /)\n--\n\nhermetic's CLI: a failing exit called while "
                      "a PolicyViolation is handled ends the run with one line and status 2."};
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
  // What the handler reads outlives it: exit handlers and static destructors run in reverse
  // order of registration, so it is made before the handler is registered.
  (void)last_violation();
  (void)blame();
#if defined(__GLIBC__)
  if (on_exit(at_process_exit, nullptr) != 0) {
    PyErr_SetString(PyExc_RuntimeError, "on_exit failed");
    return -1;
  }
#else
  // musl (musllinux wheels) has no on_exit, and no other exit handler learns the status: a
  // blamed sys.exit keeps its own status there, with no line, and the note on a program's own
  // status is not written. Guessing the status instead (the blamed one) would turn the exit 0
  // of a program that caught that SystemExit into a refusal.
  (void)&at_process_exit;
#endif
  // Only a run with a refusal can end on one: a run refused nothing pays nothing for it.
  on_first_violation(register_after_program);
  return 0;
}

}  // namespace hermetic::inproc::cli_exit
