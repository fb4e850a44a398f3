// The in-process layer for Python targets of the hermetic CLI. libhermetic_preload.so calls
// hermetic_preinit() before Py_Initialize (src/preload/preload.cpp has the contract); this file
// takes it from there: a small audit hook waits for the moment the interpreter can run Python
// and nothing of site or the user has run yet (the `import site` event, or the first
// cpython.run_* event when site is disabled), then loads the hermetic package from this
// extension's directory and calls hermetic._cli.activate(policy_json).
#pragma once

extern "C" __attribute__((visibility("default"))) int hermetic_preinit(const char* policy_json);
