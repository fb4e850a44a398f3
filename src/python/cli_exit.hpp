// How a Python target of the hermetic CLI ends after a refusal. The exit status is the
// program's, except when a violation is what ended it:
// - a violation not caught (sys.excepthook; sys.last_exc at exit when the program replaced the
//   hook), or an uncaught error raised while handling one (the violation is in its
//   __cause__/__context__ chain, as when a client library wraps the refused connection in its own
//   error): one line `hermetic: blocked action: <what>` on stderr and exit status 2, as
//   hermetic-seal's CLI;
// - sys.exit(n) called while handling a violation (`except OSError: sys.exit(1)`): the same line
//   and status 2, when the process then exits with that n.
// Any other exit keeps the program's own status (httpie catches the refusal, prints its own
// error and returns 1 from main(): exit 1). When that status is not 0 and something was refused
// during the run, one note line names the last refusal, worded as what it is: not the cause.
// `raise SystemExit(n)` raised while handling a violation is not told apart (no hook sees it
// before CPython clears it): it keeps n and gets the note. os._exit ends the process without
// either line. SystemExit in a thread ends only that thread and counts for nothing.
// The hooks are C functions wrapping the previous ones, so a target pays nothing in Python for
// them.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace hermetic::inproc::cli_exit {

inline constexpr int kBlockedExitStatus = 2;

// The note's start: not hermetic's blocked-action prefix, so that no one (nor a grep for it)
// takes it for the cause of the failure.
inline constexpr const char* kNotePrefix = "hermetic: note: ";

// Wraps sys.excepthook and sys.exit and registers the exit handler. The final line is printed
// under --trace too, after the trace line of the same block (as hermetic-seal does). Returns -1
// with an error set on failure.
int install();

}  // namespace hermetic::inproc::cli_exit
