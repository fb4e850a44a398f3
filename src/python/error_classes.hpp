// hermetic's exception classes (HermeticError, PolicyViolation, ImportPolicyViolation,
// ReadOutsideRootViolation, BootstrapError), made by the native module itself, so that the
// guards raise them from the first audit event on, before (or without) the Python package
// being imported. hermetic/errors.py re-exports them under hermetic-seal's names.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace hermetic::inproc::error_classes {

// Creates the classes once and adds them to `module`. Returns -1 with an error set on failure.
int add_to(PyObject* module);

// The classes; nullptr before add_to succeeded. Process-lifetime references: the audit hook
// cannot be removed, so neither can what it raises.
[[nodiscard]] PyObject* hermetic_error();
[[nodiscard]] PyObject* policy_violation();
[[nodiscard]] PyObject* import_violation();
[[nodiscard]] PyObject* read_violation();

}  // namespace hermetic::inproc::error_classes
