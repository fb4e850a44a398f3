// The pytest plugin's per-test kernel isolation (launch/forked_isolation.hpp) for Python:
//
//   iso = _hermetic.prepare_isolation(policy)   # parent, once per policy
//   handoff = iso.handoff()                     # parent, before each os.fork()
//   handoff.enter()                             # child: the kernel layer, irreversible
//   handoff.supervise(pid)                      # parent: serve the child (a C++ thread)
//   lines = handoff.close()                     # parent, after waitpid: stop, refusal lines
//
// The supervisor's threads never take the GIL; the calls that wait (supervise, close) release
// it. A Handoff that is garbage collected stops its supervision as close() does.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace hermetic::inproc::isolation {

// prepare_isolation(policy: dict) -> Isolation; HermeticError with the reason.
PyObject* prepare(PyObject* self, PyObject* policy);

// listener_available() -> bool: whether a forked child's filter may have a listener (not when
// this process runs under a supervised filter already; forked_isolation::listener_available).
PyObject* listener_available(PyObject* self, PyObject* unused);

}  // namespace hermetic::inproc::isolation
