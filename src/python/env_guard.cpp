// Environment. Under the CLI the launcher scrubbed the environment at exec: what is left is the
// program's to read and change, and only other processes' /proc/PID/environ stays refused
// (fs_guard.cpp). A level of the Python API (block_environment) refuses reads and writes: writes
// go through os.putenv / os.unsetenv, which raise audit events; reads raise none, so
// hermetic/_patches.py swaps os.environ, os.environb and os.getenv(b) for guarded stand-ins
// while such a level is active (they ask readable() for the keep_env names), and restores the
// very same objects after.
#include <algorithm>
#include <string>

#include "guards.hpp"
#include "py_ref.hpp"
#include "violation.hpp"

namespace hermetic::inproc::env_guard {

int check(Event event, const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.refuses_environment) return 0;
  const std::string key = text_of(arg_at(args, 0));
  const char* call = event == Event::kOsPutenv ? "putenv" : "unsetenv";
  return deny(snapshot,
              {"environment",
               std::string("environment mutation disabled: ") + call + "(" + key + ")", key});
}

bool readable(const Snapshot& snapshot, const std::string& name) {
  return std::all_of(snapshot.levels.begin(), snapshot.levels.end(), [&](const Level& level) {
    const Policy& p = level.policy;
    return !p.block_environment || level.environment_scrubbed ||
           std::find(p.keep_env.begin(), p.keep_env.end(), name) != p.keep_env.end();
  });
}

PyObject* readable(PyObject* name) {
  std::string text;
  if (PyUnicode_Check(name)) {
    text = text_of(name);
  } else if (PyBytes_Check(name)) {
    text.assign(PyBytes_AsString(name), static_cast<std::size_t>(PyBytes_Size(name)));
  } else {
    Py_RETURN_FALSE;  // not a name the environment can hold
  }
  return PyBool_FromLong(readable(*policy_stack::current(), text) ? 1 : 0);
}

}  // namespace hermetic::inproc::env_guard
