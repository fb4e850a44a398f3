// hermetic's exception classes (HermeticError, PolicyViolation, ImportPolicyViolation,
// PermissionPolicyViolation, ReadOutsideRootViolation, BootstrapError), made by the native module
// itself, so that the guards raise them from the first audit event on, before (or without) the
// Python package being imported. hermetic/errors.py re-exports them under hermetic-seal's names.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace hermetic::inproc::error_classes {

// The classes are made when first needed (making the six classes is a tenth of a millisecond, and
// most runs never raise one): by the first violation, or by the module attribute, which
// module_getattr serves. Process-lifetime references: the audit hook cannot be removed, so
// neither can what it raises.

// The module's __getattr__ (PEP 562): the classes by name; AttributeError for anything else.
PyObject* module_getattr(PyObject* module, PyObject* name);

// The classes; nullptr with an error set when they cannot be made.
[[nodiscard]] PyObject* hermetic_error();
[[nodiscard]] PyObject* policy_violation();
[[nodiscard]] PyObject* import_violation();
[[nodiscard]] PyObject* permission_violation();
[[nodiscard]] PyObject* read_violation();
[[nodiscard]] PyObject* bootstrap_error();

// The PolicyViolation class when it exists already, else nullptr (no violation can have been
// raised yet); never makes it.
[[nodiscard]] PyObject* policy_violation_if_made() noexcept;

}  // namespace hermetic::inproc::error_classes
