// Environment: writes go through os.putenv / os.unsetenv, which raise audit events. Reads raise
// none, so hermetic/_patches.py swaps os.environ, os.environb and os.getenv(b) for guarded
// stand-ins while a level blocks the environment, and restores the very same objects after.
#include <string>

#include "guards.hpp"
#include "py_ref.hpp"
#include "violation.hpp"

namespace hermetic::inproc::env_guard {

int check(Event event, const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.merged.block_environment) return 0;
  const std::string key = text_of(arg_at(args, 0));
  const char* call = event == Event::kOsPutenv ? "putenv" : "unsetenv";
  return deny(snapshot,
              {"environment",
               std::string("environment mutation disabled: ") + call + "(" + key + ")", key});
}

}  // namespace hermetic::inproc::env_guard
