// The capability that lifts a level of the policy stack. push() hands the blocker that entered a
// level an opaque object; pop() and watch_interpreter_lists() take only such an object. Python
// code can neither make one (the type refuses to be instantiated, copied or pickled) nor guess
// one: an integer, as tokens once were, is refused. The guarded code gets past a level only
// through the blocker object itself, which the code that entered the block holds.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstdint>
#include <optional>

namespace hermetic::inproc::level_token {

// A new token for the level `id` (policy_stack::push's value). New reference, or null with an
// error set.
PyObject* make(std::uint64_t id);

// The level a token stands for; nullopt (no error set) for anything that is not a token.
std::optional<std::uint64_t> id_of(PyObject* object);

}  // namespace hermetic::inproc::level_token
