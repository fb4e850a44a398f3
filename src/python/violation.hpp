// Reporting a blocked action: one trace line on stderr (when any active level asks for it) and
// the exception the audited call then raises (the classes of error_classes.hpp).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cerrno>
#include <cstddef>
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
  // PermissionPolicyViolation: also the PermissionError the kernel would raise for the same
  // call, so a program's own `except OSError` handling works (os.makedirs(exist_ok=True),
  // caches that are best effort, clients that report a failed connection)
  kPermission,
  kReadOutside,  // ReadOutsideRootViolation: a kPermission whose filename is the target, so
                 // callers that tolerate unreadable files (linecache, tracebacks) keep working
};

struct Denial {
  const char* guard;    // machine-readable guard name, PolicyViolation.guard
  std::string message;  // e.g. "network disabled: connect(10.0.0.1:443)"
  std::string target;   // PolicyViolation.target; empty means None
  ErrorKind kind = ErrorKind::kPolicy;
  // kPermission: the kernel's errno for the call and the path it would name (empty: None).
  int error_number = EACCES;
  std::string filename = {};
  // The --report capability when the guard and message do not tell it (report_line.cpp): an
  // import refused by block_native reads as one refused by deny_imports.
  std::string_view report_capability = {};
};

// A refusal with an OS meaning (kPermission): EACCES, naming `path` when it is a file's.
inline Denial os_denial(const char* guard, std::string message, std::string target,
                        std::string path = {}, int error_number = EACCES) {
  return {guard,        std::move(message), std::move(target), ErrorKind::kPermission,
          error_number, std::move(path)};
}

// Traces (if the snapshot asks for it) and sets the exception. Always returns -1, the audit
// hook's "abort the call" value.
int deny(const Snapshot& snapshot, const Denial& denial);

// Same, for code that does not hold a snapshot (the Python-side guards): traces when any
// active level asks for it, and returns nullptr for a PyCFunction to return.
PyObject* deny_now(const Denial& denial);

// Fails a call with PermissionError and no trace: for writes the runtime is expected to
// tolerate quietly (the import system's .pyc cache). Returns -1.
int refuse_quietly(const std::string& path);

// The message of the last violation raised in this process and how many there were, for the
// CLI's note on a failing exit (cli_exit.hpp).
[[nodiscard]] std::optional<std::string>& last_violation();
[[nodiscard]] std::size_t violation_count() noexcept;

// Calls `listener` once, at the first violation (before it is raised, with no error set), from
// wherever it is refused (the audit hook, a guard written in Python). The listener must leave no
// error set. For what only a run with a refusal needs (cli_exit.cpp).
void on_first_violation(void (*listener)());

// A subinterpreter refused (interpreter_guard, audit_hook).
inline constexpr std::string_view kSubinterpretersDisabled =
    "subinterpreters disabled: hermetic's in-process layer guards the main interpreter only";

// Called from inside a subinterpreter that the hook refused, where no Python state of the main
// interpreter may be touched (it may run under a GIL of its own): only an atomic flag is set.
void note_subinterpreter_refused() noexcept;

// What a failing CLI run's note names: the last violation, or else a refused subinterpreter.
// Touches no Python object (the exit handler runs after finalization).
[[nodiscard]] std::optional<std::string> violation_to_report();

// One --trace line, "[hermetic] blocked action: <message>" (hermetic/report_lines.hpp), through
// sys.stderr.
void trace_line(const std::string& message);

// 0 when `status` is Ok; otherwise HermeticError(message) is set and -1 returned: for failures
// that are not violations (sealing, the kernel layer).
[[nodiscard]] int raise_unless_ok(const Status& status);

}  // namespace hermetic::inproc
