// The guards: one function per capability, called by the audit hook for the events that
// capability cares about. Each gets the current snapshot and the event's argument tuple and
// returns 0 (allow) or -1 with an exception set (deny). See audit_hook.cpp for which events go
// where.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <optional>
#include <string>

#include "policy_stack.hpp"
#include "violation.hpp"

namespace hermetic::inproc {

// Every audit event some guard looks at. Anything else is dropped by the hook's dispatch
// without touching the policy.
enum class Event {
  kNone,
  // network
  kSocketNew,
  kSocketConnect,
  kSocketBind,
  kSocketSendto,
  kSocketSendmsg,
  kSocketGetaddrinfo,
  kSocketGethostbyname,
  kSocketGethostbyaddr,
  kSocketGetnameinfo,
  // subprocess
  kSubprocessPopen,
  kOsSystem,
  kOsExec,
  kOsSpawn,
  kOsPosixSpawn,
  kOsFork,
  kOsForkpty,
  kPtySpawn,
  kOsStartfile,
  // filesystem
  kOpen,
  kOsListdir,
  kOsScandir,
  kFsMutation,     // os.remove, os.rename, shutil.rmtree, ... (the event name is the detail)
  kOsMkdir,        // a mutation, but the import system's __pycache__ is refused quietly
  kSqliteConnect,  // sqlite3.connect creates or writes the database file
  // environment
  kOsPutenv,
  kOsUnsetenv,
  // dynamic code
  kCompile,
  kExec,
  kMarshalLoads,
  kCodeNew,
  kPickleFindClass,
  // imports and native code
  kImport,
  kCtypes,  // ctypes.dlopen, ctypes.dlsym, ctypes.call_function, ctypes.cdata
  // interpreter mutation
  kOsChdir,
  // a subinterpreter (cpython.PyInterpreterState_New), refused while any level is active
  kNewInterpreter,
};

// The enumerators above are grouped by guard, in this order.
constexpr bool is_network_event(Event event) {
  return event >= Event::kSocketNew && event <= Event::kSocketGetnameinfo;
}
constexpr bool is_process_event(Event event) {
  return event >= Event::kSubprocessPopen && event <= Event::kOsStartfile;
}

namespace network_guard {
int check(Event event, const Snapshot& snapshot, PyObject* args);
// Must be called once at import, before any hook runs: captures _socket.socket's C-level
// `family` member so the guard never runs Python code from a socket subclass.
int init();
// Drops the addresses learned from resolving allowed domains (when the last level is popped).
void forget_pins();
}  // namespace network_guard

namespace subprocess_guard {
int check(Event event, const Snapshot& snapshot, const char* event_name, PyObject* args);
// A callable that denies while block_subprocess is active and otherwise calls `original`
// (used for _posixsubprocess.fork_exec, which raises no audit event). New reference.
PyObject* wrap_fork_exec(PyObject* original);
// This process now runs under block_native's kernel rows: from here on a dynamically linked
// program is refused a start (it could not map its libraries), with the reason.
void note_native_rows();
}  // namespace subprocess_guard

namespace fs_guard {
int check(Event event, const Snapshot& snapshot, const char* event_name, PyObject* args);
// Opens of another process's files that its own guards cannot see: under block_native
// /proc/PID/mem for writing (code already mapped executable changes, which the kernel part, no
// new executable memory, cannot see); under block_environment /proc/PID/environ (a process of
// the user that started with the secret, such as the caller, still shows it).
int check_process_files(const Snapshot& snapshot, PyObject* args);
// A write of `path` under fs_readonly: 0 when every read-only level lets it be written, else
// the refusal (`message`) raised.
int check_write(const Snapshot& snapshot, const std::string& message, const std::string& path);
// Files made by calls that are not `open` (fs_routes.cpp): the socket file of an AF_UNIX bind,
// a database of sqlite3.connect.
int check_unix_bind(const Snapshot& snapshot, PyObject* args);
int check_sqlite_connect(const Snapshot& snapshot, PyObject* args);
}  // namespace fs_guard

namespace env_guard {
int check(Event event, const Snapshot& snapshot, PyObject* args);
// Whether the variable `name` may be read: every level that refuses the environment keeps it
// (keep_env). A CLI level never refuses: its environment was scrubbed at exec.
bool readable(const Snapshot& snapshot, const std::string& name);
// readable() for the guarded os.environ: `name` a str or bytes; returns a bool.
PyObject* readable(PyObject* name);
}  // namespace env_guard

namespace code_guard {
int check(Event event, const Snapshot& snapshot, PyObject* args);
// What block_code_exec refuses of a dynamic-code event (compile, exec, marshal.loads,
// code.__new__, pickle.find_class) raised now, in this thread: nullopt when it lets it happen
// (a trusted caller, an AST-only compile). check() and learn mode's view (learn_view.hpp) judge
// alike.
std::optional<Denial> refusal(Event event, PyObject* args);
// Before a level with block_code_exec is pushed: trust the standard library's code generators
// (collections for namedtuple, dataclasses, typing, enum, ast), found next to os.__file__.
// Idempotent. Returns -1 with an error set on failure.
int trust_stdlib_generators();
// The CLI's main program: runpy compiles the code of `python -m`, which comes from the command
// line and not from the target at run time.
int trust_runpy();
// True when the innermost Python frame of this thread runs code from a trusted file, or there
// is no Python frame (the interpreter's own top level) and the call did not come through the
// wrapped eval/exec/compile.
bool caller_is_trusted();
// builtins.eval/exec/compile wrapped so that a refusal names the builtin (`eval`, as
// hermetic-seal says) instead of the event (`compile(<string>)`). New reference.
PyObject* name_entry(PyObject* original, PyObject* name);
// runpy.run_path/run_module wrapped to be refused while code execution is blocked, whoever calls
// them (runpy's own frames are trusted: they run `python -m`'s main module). New reference.
PyObject* guard_helper(PyObject* original, PyObject* name);
// Narrower: the import system itself (frozen importlib, zipimport) or no Python frame. Used by
// the filesystem guard to let imports read outside fs_root. `reads_content` (an open, not a
// listing): only when the import machinery was entered as an import (the finders chose the
// file), not when code calls a loader's method with a path of its own.
bool caller_is_import_system(bool reads_content);
}  // namespace code_guard

namespace import_guard {
int check(Event event, const Snapshot& snapshot, const char* event_name, PyObject* args);
// What block_native refuses, whatever the policy (learn mode's view judges with these too): a
// module that is a way to load native code (ctypes, cffi and their native parts), and an
// extension file that is not one of the interpreter's own (stdlib_extensions.hpp).
bool is_native_interface(const std::string& name);
bool is_third_party_extension(const std::string& file);
// A replacement for builtins.__import__ that also refuses denied modules that are already in
// sys.modules (the `import` event only fires for a first load). New reference.
PyObject* wrap_import(PyObject* original);
// None when `name` may be imported, else the violation raised (as by an import of it).
PyObject* check_name(PyObject* name);
}  // namespace import_guard

namespace interpreter_guard {
int check(Event event, const Snapshot& snapshot, PyObject* args);
// sys.path, sys.meta_path and sys.path_hooks as the Python-side guard left them when it went
// on (hermetic/_patches.py): their guarded copies refuse list methods, but not list.insert(
// sys.path, ...) called on the base class, nor rebinding sys.path. The import event carries the
// three lists as they are now; an import after either is refused. (Importing through
// importlib's pure-Python __import__ raises no import event.) None stops watching.
PyObject* watch_lists(PyObject* args);
int check_import_lists(const Snapshot& snapshot, PyObject* args);
// The hook's state (the policy stack, the exception classes, cached types) is one per process
// and ordered by the GIL. A subinterpreter breaks both assumptions: since 3.12 it can run under a
// GIL of its own (two threads then change the shared classes' reference counts at once, and the
// process crashes), its types are its own, and it compiles run_string's code with no Python
// frame. Creating one is refused while any level is active, whatever the level blocks.
int check_new_interpreter(const Snapshot& snapshot);
}  // namespace interpreter_guard

}  // namespace hermetic::inproc
