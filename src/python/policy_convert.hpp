// Building the core Policy from what Python hands over: a dict whose keys are the JSON field
// names of hermetic::to_json (the Python API's parameter names), or the JSON text itself.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic::inproc {

// Errors come back as Error (a message for ValueError); a Python error may also be set when
// the dict itself misbehaves (check PyErr_Occurred first).
[[nodiscard]] Result<Policy> policy_from_dict(PyObject* dict);

}  // namespace hermetic::inproc
