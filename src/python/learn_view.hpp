// Learn mode's Python view (`hermetic learn`, docs/learn.md): in each Python process of a learn
// run, the in-process layer refuses nothing and reports what the Python-only blocks would have
// refused, as report lines with decision "observed" (docs/report.md): environment variables read,
// native code loaded (block_native), dynamic code (block_code_exec). It judges with the guards' own
// functions (import_guard::is_third_party_extension, code_guard::refusal), so a use the enforced
// run allows anyway (the standard library's extensions, a dataclass's generated code) is not
// reported, and the learned policy is what the enforced run needs. No policy level is pushed:
// the program's own hermetic levels work as in any run.
//
// Each process first writes a `interpreter watch` line: learn's synthesis judges the Python-only
// fields only for runs whose every process it watched (src/core/learn/synthesize.cpp).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

namespace hermetic::inproc::learn_view {

// Starts the view in this process, at `import site`: lines go to `report_path` (absolute).
// Writes the watch line and the interpreter's own variables (PYTHON*) found in the
// environment, and adds the view's audit hook. Returns -1 with an error set on failure.
int start(const std::string& report_path);

// The main program starts: dynamic code from here on is the program's (the environment's .pth
// files run code through exec at start-up, which an enforced run allows too).
void enter_user_code();

// _hermetic.observe_environment(name): the program read variable `name` (str or bytes), or the
// whole environment (None: iterated, copied, printed). Returns None.
PyObject* observe_environment(PyObject* name);

// _hermetic.observe_code(name): the program called runpy's `name` (run_path, run_module), which
// block_code_exec refuses whoever calls. Returns None.
PyObject* observe_code(PyObject* name);

}  // namespace hermetic::inproc::learn_view
