#include "isolation.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "launch/forked_isolation.hpp"
#include "policy_convert.hpp"
#include "py_ref.hpp"
#include "seal.hpp"
#include "stable_abi.hpp"
#include "violation.hpp"

namespace hermetic::inproc::isolation {
namespace {

namespace fi = hermetic::forked_isolation;

// What a Handoff object owns. Destroyed with the object: the supervision stops (its threads
// joined) before the log pipe closes.
struct HandoffState {
  std::unique_ptr<fi::Handoff> handoff;
  Fd log_read;
  Fd log_write;
  std::unique_ptr<fi::Supervision> supervision;
};

struct IsolationObject {
  PyObject_HEAD std::shared_ptr<const fi::Prepared>* prepared;  // owned
};

struct HandoffObject {
  PyObject_HEAD HandoffState* state;  // owned
};

void free_object(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  auto free_fn = reinterpret_cast<freefunc>(PyType_GetSlot(type, Py_tp_free));
  free_fn(self);
  Py_DECREF(type);  // a heap type: each instance holds a reference to it
}

PyObject* refuse_new(PyTypeObject* /*type*/, PyObject* /*args*/, PyObject* /*kwargs*/) {
  PyErr_SetString(PyExc_TypeError, "made only by hermetic._hermetic.prepare_isolation");
  return nullptr;
}

// Stops the supervision (joins its threads, which never take the GIL) without holding the GIL.
void stop(HandoffState& state) {
  if (!state.supervision) return;
  Py_BEGIN_ALLOW_THREADS;
  state.supervision.reset();
  Py_END_ALLOW_THREADS;
}

void handoff_dealloc(PyObject* self) {
  auto* object = reinterpret_cast<HandoffObject*>(self);
  if (object->state != nullptr) {
    stop(*object->state);
    const std::unique_ptr<HandoffState> owned(object->state);
    object->state = nullptr;
  }
  free_object(self);
}

HandoffState* state_of(PyObject* self) {
  auto* state = reinterpret_cast<HandoffObject*>(self)->state;
  if (state == nullptr) PyErr_SetString(PyExc_ValueError, "this handoff is closed");
  return state;
}

PyObject* handoff_enter(PyObject* self, PyObject* /*unused*/) {
  HandoffState* state = state_of(self);
  if (state == nullptr) return nullptr;
  const char* step = "";
  if (const int err = state->handoff->child_enter(&step); err != 0) {
    // The kernel lets one filter of a process tree have a listener: pytest itself runs under a
    // supervised filter (a hermetic command with network exceptions or --fs-readonly).
    const char* hint = err == EBUSY && state->handoff->prepared().needs_supervisor()
                           ? " (pytest runs under a supervised seccomp filter already, such as a "
                             "hermetic command's with exceptions: its tests' exceptions cannot "
                             "be supervised again; --hermetic-isolation=off keeps them "
                             "in-process)"
                           : "";
    return PyErr_Format(PyExc_OSError,
                        "cannot apply the kernel layer in the test's child: %s: %s%s", step,
                        std::strerror(err), hint);
  }
  // A fresh import of _posixsubprocess is harmless now (import_guard.cpp).
  if (state->handoff->prepared().blocks_subprocess()) seal::note_kernel_blocks_subprocess();
  Py_RETURN_NONE;
}

PyObject* handoff_supervise(PyObject* self, PyObject* arg) {
  HandoffState* state = state_of(self);
  if (state == nullptr) return nullptr;
  const long pid = PyLong_AsLong(arg);
  if (pid == -1 && PyErr_Occurred() != nullptr) return nullptr;
  if (!state->handoff->prepared().needs_supervisor()) Py_RETURN_NONE;  // nothing to serve
  std::array<int, 2> log{};
  if (pipe2(log.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    return PyErr_SetFromErrno(PyExc_OSError);
  }
  state->log_read.reset(log[0]);
  state->log_write.reset(log[1]);
  Result<std::unique_ptr<fi::Supervision>> started = Error{""};
  Py_BEGIN_ALLOW_THREADS;  // waits for the child's listener
  started = state->handoff->parent_supervise(static_cast<pid_t>(pid), state->log_write.get());
  Py_END_ALLOW_THREADS;
  if (raise_unless_ok(started ? Status(Ok{}) : Status(started.error())) != 0) return nullptr;
  state->supervision = std::move(started).value();
  Py_RETURN_NONE;
}

PyObject* handoff_close(PyObject* self, PyObject* /*unused*/) {
  HandoffState* state = state_of(self);
  if (state == nullptr) return nullptr;
  stop(*state);
  state->log_write.reset();
  std::string lines;
  if (state->log_read) {
    std::array<char, 4096> buffer{};
    for (;;) {
      const ssize_t got = ::read(state->log_read.get(), buffer.data(), buffer.size());
      if (got <= 0) break;
      lines.append(buffer.data(), static_cast<std::size_t>(got));
    }
  }
  const std::unique_ptr<HandoffState> owned(state);
  reinterpret_cast<HandoffObject*>(self)->state = nullptr;
  return PyUnicode_DecodeUTF8(lines.data(), static_cast<Py_ssize_t>(lines.size()), "replace");
}

PyMethodDef handoff_methods[] = {  // NOLINT: CPython's API takes a mutable array
    {"enter", handoff_enter, METH_NOARGS,
     "enter() -> None\n\nIn the child, right after fork: apply the kernel layer (irreversible) "
     "and hand a supervised filter's listener to the parent."},
    {"supervise", handoff_supervise, METH_O,
     "supervise(pid: int) -> None\n\nIn the parent, right after fork: take the child's listener "
     "and serve it from a thread of this process. HermeticError: kill the child."},
    {"close", handoff_close, METH_NOARGS,
     "close() -> str\n\nIn the parent, once the child is reaped: stop serving; the supervisor's "
     "refusal lines."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot handoff_slots[] = {  // NOLINT: CPython's API takes a mutable array
    {Py_tp_new, reinterpret_cast<void*>(refuse_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(handoff_dealloc)},
    {Py_tp_methods, handoff_methods},
    {Py_tp_doc, const_cast<char*>("One fork's kernel layer and its supervisor.")},
    {0, nullptr}};

PyType_Spec handoff_spec = {"hermetic._hermetic.Handoff", sizeof(HandoffObject), 0,
                            Py_TPFLAGS_DEFAULT, handoff_slots};

PyTypeObject* handoff_type() {
  static auto* type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&handoff_spec));
  return type;
}

void isolation_dealloc(PyObject* self) {
  auto* object = reinterpret_cast<IsolationObject*>(self);
  const std::unique_ptr<std::shared_ptr<const fi::Prepared>> owned(object->prepared);
  object->prepared = nullptr;
  free_object(self);
}

PyObject* isolation_handoff(PyObject* self, PyObject* /*unused*/) {
  auto* object = reinterpret_cast<IsolationObject*>(self);
  auto opened = fi::Handoff::open(*object->prepared);
  if (raise_unless_ok(opened ? Status(Ok{}) : Status(opened.error())) != 0) return nullptr;
  PyTypeObject* type = handoff_type();
  if (type == nullptr) return nullptr;
  PyObject* out = PyType_GenericAlloc(type, 0);
  if (out == nullptr) return nullptr;
  auto state = std::make_unique<HandoffState>();
  state->handoff = std::move(opened).value();
  reinterpret_cast<HandoffObject*>(out)->state = state.release();
  return out;
}

PyTypeObject* isolation_type();

PyObject* make_isolation(std::shared_ptr<const fi::Prepared> prepared) {
  PyTypeObject* type = isolation_type();
  if (type == nullptr) return nullptr;
  PyObject* out = PyType_GenericAlloc(type, 0);
  if (out == nullptr) return nullptr;
  reinterpret_cast<IsolationObject*>(out)->prepared =
      std::make_unique<std::shared_ptr<const fi::Prepared>>(std::move(prepared)).release();
  return out;
}

PyObject* isolation_with_writable(PyObject* self, PyObject* paths) {
  PyRef iterator(PyObject_GetIter(paths));
  if (!iterator) return nullptr;
  std::vector<std::string> extra;
  while (PyRef item{PyIter_Next(iterator.get())}) {
    std::string path;
    if (!path_of(item.get(), &path)) {
      PyErr_SetString(PyExc_TypeError, "with_writable() takes paths");
      return nullptr;
    }
    extra.push_back(std::move(path));
  }
  if (PyErr_Occurred() != nullptr) return nullptr;
  const auto& prepared = *reinterpret_cast<IsolationObject*>(self)->prepared;
  Result<std::shared_ptr<const fi::Prepared>> widened = Error{""};
  Py_BEGIN_ALLOW_THREADS;  // opens the paths of the Landlock rules
  widened = prepared->with_writable(extra);
  Py_END_ALLOW_THREADS;
  if (raise_unless_ok(widened ? Status(Ok{}) : Status(widened.error())) != 0) return nullptr;
  return make_isolation(std::move(widened).value());
}

PyObject* isolation_needs_supervisor(PyObject* self, PyObject* /*unused*/) {
  auto* object = reinterpret_cast<IsolationObject*>(self);
  return PyBool_FromLong((*object->prepared)->needs_supervisor() ? 1 : 0);
}

PyMethodDef isolation_methods[] = {  // NOLINT: CPython's API takes a mutable array
    {"handoff", isolation_handoff, METH_NOARGS,
     "handoff() -> Handoff\n\nBefore each fork: the channel the child's listener will take."},
    {"with_writable", isolation_with_writable, METH_O,
     "with_writable(paths: list[str]) -> Isolation\n\nThis kernel part with existing `paths` "
     "writable too (a test's tmp_path and TMPDIR): only the Landlock rulesets are built again."},
    {"needs_supervisor", isolation_needs_supervisor, METH_NOARGS,
     "needs_supervisor() -> bool\n\nWhether the parent serves some of the child's calls."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot isolation_slots[] = {  // NOLINT: CPython's API takes a mutable array
    {Py_tp_new, reinterpret_cast<void*>(refuse_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(isolation_dealloc)},
    {Py_tp_methods, isolation_methods},
    {Py_tp_doc, const_cast<char*>("A policy's kernel layer, prepared for forked children.")},
    {0, nullptr}};

PyType_Spec isolation_spec = {"hermetic._hermetic.Isolation", sizeof(IsolationObject), 0,
                              Py_TPFLAGS_DEFAULT, isolation_slots};

PyTypeObject* isolation_type() {
  static auto* type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&isolation_spec));
  return type;
}

}  // namespace

PyObject* listener_available(PyObject* /*self*/, PyObject* /*unused*/) {
  bool available = false;
  Py_BEGIN_ALLOW_THREADS;  // a fork and a wait
  available = fi::listener_available();
  Py_END_ALLOW_THREADS;
  return PyBool_FromLong(available ? 1 : 0);
}

PyObject* prepare(PyObject* /*self*/, PyObject* policy) {
  auto built = policy_from_dict(policy);
  if (PyErr_Occurred() != nullptr) return nullptr;
  if (!built) {
    PyErr_SetString(PyExc_ValueError, built.error().message.c_str());
    return nullptr;
  }
  Result<std::shared_ptr<const fi::Prepared>> prepared = Error{""};
  Py_BEGIN_ALLOW_THREADS;  // opens paths, compiles the filter, may look names up
  prepared = fi::Prepared::prepare(built.value());
  Py_END_ALLOW_THREADS;
  if (raise_unless_ok(prepared ? Status(Ok{}) : Status(prepared.error())) != 0) return nullptr;
  return make_isolation(std::move(prepared).value());
}

}  // namespace hermetic::inproc::isolation
