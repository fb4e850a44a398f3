// The in-process layer for Python targets of the hermetic CLI. libhermetic_preload.so calls
// hermetic_preinit() before Py_Initialize (src/preload/preload.cpp has the contract); this file
// takes it from there: a small audit hook waits for the moment the interpreter can run Python
// and nothing of site or the user has run yet (the `import site` event, or the first
// cpython.run_* event when site is disabled), then makes this extension the module
// hermetic._hermetic and pushes the CLI's policy, all in C. The Python package is loaded only
// when the policy needs a guard written in Python (environment, sys.path, __import__), or when
// the target imports it: every other Python start pays for nothing but this extension.
// hermetic_wake() is the deferred form: the preload library loads this extension only at the
// first event the policy has a use for, and this does both phases at once.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern "C" __attribute__((visibility("default"))) int hermetic_preinit(const char* policy_json);
extern "C" __attribute__((visibility("default"))) int hermetic_wake(const char* policy_json);
// The module's init (module.cpp); the bootstrap calls it directly.
PyMODINIT_FUNC PyInit__hermetic();  // NOLINT(bugprone-reserved-identifier)

namespace hermetic::inproc::cli_bootstrap {

// find_spec(name, path=None, target=None): the meta-path finder the CLI puts last on
// sys.meta_path; answers only `hermetic`, with the package this extension lies in.
PyObject* find_spec(PyObject* self, PyObject* args, PyObject* kwargs);

}  // namespace hermetic::inproc::cli_bootstrap
