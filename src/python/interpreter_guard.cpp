// Interpreter mutation: os.chdir / os.fchdir raise the os.chdir event. sys.path, sys.meta_path,
// sys.path_hooks and site.addsitedir raise none; hermetic/_patches.py guards those while a level
// blocks interpreter mutation.
#include <string>

#include "guards.hpp"
#include "py_ref.hpp"
#include "violation.hpp"

namespace hermetic::inproc::interpreter_guard {

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
