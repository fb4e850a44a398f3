#include "violation.hpp"

#include <atomic>
#include <cerrno>
#include <optional>

#include "error_classes.hpp"
#include "py_ref.hpp"
#include "report_line.hpp"

namespace hermetic::inproc {
namespace {

// nullptr (with the error set) only when the classes cannot be made.
PyObject* type_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kImport:
      return error_classes::import_violation();
    case ErrorKind::kPermission:
      return error_classes::permission_violation();
    case ErrorKind::kReadOutside:
      return error_classes::read_violation();
    case ErrorKind::kPolicy:
      break;
  }
  return error_classes::policy_violation();
}

// raise PolicyViolation(message, guard=..., target=...) (or the kind's subclass).
void raise(const Denial& denial) {
  PyObject* type = type_for(denial.kind);
  if (type == nullptr) return;  // that error is raised instead: the call is refused all the same
  PyRef message(PyUnicode_DecodeUTF8(denial.message.data(),
                                     static_cast<Py_ssize_t>(denial.message.size()), "replace"));
  PyRef args(message ? PyTuple_Pack(1, message.get()) : nullptr);
  PyRef kwargs(PyDict_New());
  PyRef guard(PyUnicode_FromString(denial.guard));
  PyRef target(
      denial.target.empty()
          ? PyRef::borrow(Py_None)
          : PyRef(PyUnicode_DecodeUTF8(denial.target.data(),
                                       static_cast<Py_ssize_t>(denial.target.size()), "replace")));
  if (!args || !kwargs || !guard || !target ||
      PyDict_SetItemString(kwargs.get(), "guard", guard.get()) != 0 ||
      PyDict_SetItemString(kwargs.get(), "target", target.get()) != 0) {
    return;
  }
  if (denial.kind == ErrorKind::kPermission) {
    PyRef number(PyLong_FromLong(denial.error_number));
    PyRef filename(denial.filename.empty() ? PyRef::borrow(Py_None)
                                           : PyRef(PyUnicode_DecodeFSDefaultAndSize(
                                                 denial.filename.data(),
                                                 static_cast<Py_ssize_t>(denial.filename.size()))));
    if (!number || !filename || PyDict_SetItemString(kwargs.get(), "errno", number.get()) != 0 ||
        PyDict_SetItemString(kwargs.get(), "filename", filename.get()) != 0) {
      return;
    }
  }
  PyRef exc(PyObject_Call(type, args.get(), kwargs.get()));
  if (exc) PyErr_SetObject(type, exc.get());
}

}  // namespace

void trace_line(const std::string& message) {
  // Through sys.stderr (not fd 2) so that redirections and pytest's capture see it.
  PySys_FormatStderr("%s%s\n", kTraceLinePrefix.data(), message.c_str());
}

std::optional<std::string>& last_violation() {
  static std::optional<std::string> last;  // the GIL orders writers
  return last;
}

namespace {
std::atomic<bool> g_subinterpreter_refused{false};
std::size_t g_violations = 0;  // the GIL orders writers
}  // namespace

std::size_t violation_count() noexcept { return g_violations; }

namespace {
void (*g_first_violation_listener)() = nullptr;
}  // namespace

void on_first_violation(void (*listener)()) { g_first_violation_listener = listener; }

void note_subinterpreter_refused() noexcept { g_subinterpreter_refused.store(true); }

std::optional<std::string> violation_to_report() {
  if (const auto& last = last_violation()) return last;
  if (g_subinterpreter_refused.load()) return std::string(kSubinterpretersDisabled);
  return std::nullopt;
}

int deny(const Snapshot& snapshot, const Denial& denial) {
  if (g_violations == 0 && g_first_violation_listener != nullptr) {
    ++g_violations;  // first: a refusal inside the listener does not call it again
    g_first_violation_listener();
    g_violations = 1;  // nor counts: it is hermetic's own doing, not the program's
  } else {
    ++g_violations;
  }
  // Every refusal counts for the CLI's note on a failing exit; the last one is named (libraries
  // probe at import, urllib3 tries an AF_INET6 socket, and carry on: an earlier one is more
  // likely to be such a probe).
  last_violation() = denial.message;
  if (snapshot.merged.trace) trace_line(denial.message);
  report_line::write(snapshot, denial);  // the same event, as data (--report, report=)
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

int raise_unless_ok(const Status& status) {
  if (status) return 0;
  PyObject* type = error_classes::hermetic_error();
  if (type == nullptr) {
    PyErr_Clear();  // the failure being reported matters more
    type = PyExc_RuntimeError;
  }
  PyErr_SetString(type, status.error().message.c_str());
  return -1;
}

}  // namespace hermetic::inproc
