// Reporting a blocked action: one trace line on stderr (when any active level asks for it) and
// the exception the audited call then raises (the classes of error_classes.hpp).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <optional>
#include <string>
#include <string_view>

#include "hermetic/report_lines.hpp"
#include "hermetic/result.hpp"
#include "policy_stack.hpp"

namespace hermetic::inproc {

// Which exception a denial raises.
enum class ErrorKind {
  kPolicy,  // PolicyViolation (a RuntimeError)
  kImport,  // ImportPolicyViolation: also an ImportError, so `except ImportError` fallbacks work
  kReadOutside,  // ReadOutsideRootViolation: also a PermissionError, so callers that tolerate
                 // unreadable files (linecache, tracebacks) keep working
};

struct Denial {
  const char* guard;    // machine-readable guard name, PolicyViolation.guard
  std::string message;  // e.g. "network disabled: connect(10.0.0.1:443)"
  std::string target;   // PolicyViolation.target; empty means None
  ErrorKind kind = ErrorKind::kPolicy;
};

// Traces (if the snapshot asks for it) and sets the exception. Always returns -1, the audit
// hook's "abort the call" value.
int deny(const Snapshot& snapshot, const Denial& denial);

// Same, for code that does not hold a snapshot (the Python-side guards): traces when any
// active level asks for it, and returns nullptr for a PyCFunction to return.
PyObject* deny_now(const Denial& denial);

// Fails a call with PermissionError and no trace: for writes the runtime is expected to
// tolerate quietly (the import system's .pyc cache). Returns -1.
int refuse_quietly(const std::string& path);

// The message of the last PolicyViolation raised in this process, for the CLI's exit status.
[[nodiscard]] std::optional<std::string>& last_violation();

// A subinterpreter refused (interpreter_guard, audit_hook).
inline constexpr std::string_view kSubinterpretersDisabled =
    "subinterpreters disabled: hermetic's in-process layer guards the main interpreter only";

// Called from inside a subinterpreter that the hook refused, where no Python state of the main
// interpreter may be touched (it may run under a GIL of its own): only an atomic flag is set.
void note_subinterpreter_refused() noexcept;

// What a failing CLI run reports as its blocked action: the last violation, or else a refused
// subinterpreter. Touches no Python object (the exit handler runs after finalization).
[[nodiscard]] std::optional<std::string> violation_to_report();

// One --trace line, "[hermetic] blocked action: <message>" (hermetic/report_lines.hpp), through
// sys.stderr.
void trace_line(const std::string& message);

// 0 when `status` is Ok; otherwise HermeticError(message) is set and -1 returned: for failures
// that are not violations (sealing, the kernel layer).
[[nodiscard]] int raise_unless_ok(const Status& status);

}  // namespace hermetic::inproc
