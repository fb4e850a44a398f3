// Interpreter mutation: os.chdir / os.fchdir raise the os.chdir event. sys.path, sys.meta_path,
// sys.path_hooks and site.addsitedir raise none; hermetic/_patches.py guards those while a level
// blocks interpreter mutation.
#include <array>
#include <string>

#include "guards.hpp"
#include "py_ref.hpp"
#include "violation.hpp"

namespace hermetic::inproc::interpreter_guard {
namespace {

constexpr std::array<const char*, 3> kListNames = {"sys.path", "sys.meta_path", "sys.path_hooks"};

// Tuples of the three lists' items when watching started; kept until process exit, like the
// module's other state (the GIL orders writers).
std::array<PyObject*, 3> g_watched = {nullptr, nullptr, nullptr};

void stop_watching() {
  for (auto& watched : g_watched) Py_CLEAR(watched);
}

// Whether `now` (a list, or whatever sys.path was rebound to) holds the same items as `then`.
bool same_items(PyObject* now, PyObject* then) {
  PyRef items(PySequence_Tuple(now));
  if (!items) {
    PyErr_Clear();
    return false;
  }
  const int equal = PyObject_RichCompareBool(items.get(), then, Py_EQ);
  if (equal < 0) PyErr_Clear();
  return equal == 1;
}

}  // namespace

PyObject* watch_lists(PyObject* args) {
  stop_watching();
  if (args == Py_None) Py_RETURN_NONE;
  std::array<PyObject*, 3> lists{};
  if (PyArg_UnpackTuple(args, "watch_interpreter_lists", 3, 3, &lists[0], &lists[1], &lists[2]) ==
      0) {
    return nullptr;
  }
  for (std::size_t i = 0; i < lists.size(); ++i) {
    g_watched[i] = PySequence_Tuple(lists[i]);
    if (g_watched[i] == nullptr) {
      stop_watching();
      return nullptr;
    }
  }
  Py_RETURN_NONE;
}

int check_import_lists(const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.merged.block_interpreter_mutation || g_watched[0] == nullptr) return 0;
  // The import event: (module, filename, sys.path, sys.meta_path, sys.path_hooks).
  for (std::size_t i = 0; i < g_watched.size(); ++i) {
    PyObject* now = arg_at(args, static_cast<Py_ssize_t>(2 + i));
    if (now == nullptr || now == Py_None || same_items(now, g_watched[i])) continue;
    const std::string name = kListNames[i];
    return deny(snapshot, {"interpreter", "interpreter mutation disabled: " + name, name});
  }
  return 0;
}

int check(Event /*event*/, const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.merged.block_interpreter_mutation) return 0;
  std::string path;
  if (!path_of(arg_at(args, 0), &path)) path = "fd";
  return deny(snapshot,
              {"interpreter", "interpreter mutation disabled: chdir(" + path + ")", "chdir"});
}

int check_new_interpreter(const Snapshot& snapshot) {
  return deny(snapshot, {"interpreter", std::string(kSubinterpretersDisabled), "subinterpreter"});
}

}  // namespace hermetic::inproc::interpreter_guard
