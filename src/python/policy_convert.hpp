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

// load_policy(name, file, start, extra) for hermetic.blocker: policy `name` ("" the default) of
// `file`, or of the policy file found from directory `start` upward, checked so that `extra`
// (the keywords given beside it, a dict of field values) only tightens it. Returns (policy
// JSON, file, name); ValueError naming the file, line and key otherwise.
PyObject* load_policy_tuple(PyObject* args);

// The field table as a tuple of (key, type, role, layer, options, metavar, help, exception_to,
// implies) tuples, for hermetic.blocker; a new reference, or null with an error set.
PyObject* policy_fields_tuple();

// The union of two dicts of policy field values (BlockConfig's), every field present in the
// result: switches by `or`, lists joined in first-seen order, read roots by unite_roots
// (ValueError for two different roots). The values are kept as given, not normalised.
PyObject* unite_dicts(PyObject* a, PyObject* b);

}  // namespace hermetic::inproc
