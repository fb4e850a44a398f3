// How a Python target of the hermetic CLI ends after a blocked action, as hermetic-seal's CLI
// does: one line `hermetic: blocked action: <what>: <detail>` on stderr and exit status 2.
// That happens when a violation is not caught (sys.excepthook), and also when the program caught
// it and then fails: through sys.exit (console scripts call sys.exit(main()); httpie, for one,
// reports errors itself and exits 1), `raise SystemExit(1)`, or an error it did not catch (an
// exit handler sees the status). The hooks are C functions wrapping the previous ones, so a
// target pays nothing in Python for them.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace hermetic::inproc::cli_exit {

inline constexpr int kBlockedExitStatus = 2;

// Wraps sys.excepthook and sys.exit and registers the exit handler. The final line is printed
// under --trace too, after the trace line of the same block (as hermetic-seal does). Returns -1
// with an error set on failure.
int install();

}  // namespace hermetic::inproc::cli_exit
