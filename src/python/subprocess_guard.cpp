// Subprocess: every way to start a process, as one group, so a library that falls back from
// one call to another finds them all closed: subprocess.Popen (and with it asyncio and
// multiprocessing's helpers), os.system, os.exec*, os.spawn*, os.posix_spawn*, os.fork,
// os.forkpty, pty.spawn. _posixsubprocess.fork_exec raises no audit event; the Python layer
// replaces that attribute with wrap_fork_exec(original) (see hermetic/_patches.py).
//
// A refusal is also the PermissionError the kernel layer gives for the same call: EPERM for a
// new process (fork, clone), EACCES naming the program for an exec. Programs that look for a
// tool and carry on without it (`except OSError`) then behave as under the kernel layer alone.
//
// A level with an allow_exec list (--allow-exec) lets through what runs a listed program: the
// program as found on PATH, resolved, is a listed file or lies beneath a listed directory (a
// listed bare name is found on PATH too). A fork that runs no new program passes, as in the
// kernel layer, where that list lifts the process rows and Landlock decides each exec.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "allow_hint.hpp"
#include "exec_loader.hpp"
#include "guards.hpp"
#include "py_ref.hpp"
#include "resolved_paths.hpp"
#include "violation.hpp"

namespace hermetic::inproc::subprocess_guard {
namespace {

// The program an event is about, for the message: the first str/bytes/path among the
// arguments, or the first item of an argv list.
std::string program_of(Event event, PyObject* args) {
  Py_ssize_t index = 0;
  switch (event) {
    case Event::kSubprocessPopen:  // (executable, args, cwd, env)
    case Event::kOsSystem:         // (command,)
    case Event::kOsExec:           // (path, args, env)
    case Event::kOsPosixSpawn:     // (path, argv, env)
    case Event::kPtySpawn:         // (argv,)
    case Event::kOsStartfile:      // (path, operation)
      index = 0;
      break;
    case Event::kOsSpawn:  // (mode, path, args, env)
      index = 1;
      break;
    default:
      return {};
  }
  PyObject* obj = arg_at(args, index);
  std::string out;
  if (path_of(obj, &out)) return out;
  if (event == Event::kOsExec && obj != nullptr && PyLong_Check(obj) != 0) {
    // os.execve(fd, ...) is fexecve: the program is the fd's file, which its /proc link names
    // (resolved_path follows it), as Landlock judges the file itself.
    const long fd = PyLong_AsLong(obj);
    if (fd >= 0) return "/proc/self/fd/" + std::to_string(fd);
    PyErr_Clear();
  }
  if (path_of(item_at(obj, 0), &out)) return out;
  if (event == Event::kSubprocessPopen) {  // executable=None: the program is args[0]
    PyObject* argv = arg_at(args, 1);
    if (path_of(argv, &out)) return out;
    if (path_of(item_at(argv, 0), &out)) return out;
  }
  return {};
}

std::string search_path() {
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : "/usr/bin:/bin";
}

// The real path of the file exec would run for `program` (a name is looked up on PATH); empty
// when there is none.
std::string real_program(const std::string& program) {
  if (program.empty()) return {};
  const std::string file = exec_loader::locate(program, search_path());
  if (file.empty()) return {};
  return resolved_path(file).value_or(std::string());
}

// Whether `level`'s allow_exec list holds the program whose real path is `real`.
bool listed(const Level& level, const std::string& real) {
  if (real.empty()) return false;
  const auto& entries = level.policy.allow_exec;
  return std::any_of(entries.begin(), entries.end(), [&](const std::string& entry) {
    const std::string dir_or_file = entry.find('/') == std::string::npos
                                        ? real_program(entry)
                                        : resolved_path(entry).value_or(std::string());
    return !dir_or_file.empty() && path_within(real, dir_or_file);
  });
}

// The first level that refuses running the program whose real path is `real` (empty: no program,
// a fork), or null.
const Level* refusing_level(const Snapshot& snapshot, const std::string& real, bool runs_program) {
  const auto found =
      std::find_if(snapshot.levels.begin(), snapshot.levels.end(), [&](const Level& level) {
        if (!level.policy.block_subprocess) return false;
        if (level.policy.allow_exec.empty()) return true;
        return runs_program && !listed(level, real);
      });
  return found == snapshot.levels.end() ? nullptr : &*found;
}

// fork_exec(args, executable_list, ...): each executable it may try must be allowed. The list is
// every PATH directory joined with the name: the candidates that do not exist fail with ENOENT
// in the child (and one created meanwhile meets the kernel's list), so only existing ones count.
const Level* refusing_fork_exec(const Snapshot& snapshot, PyObject* args, std::string* program) {
  if (const Level* no_list = refusing_level(snapshot, {}, /*runs_program=*/false)) return no_list;
  PyObject* executables = arg_at(args, 1);
  const Py_ssize_t count = items_in(executables);
  for (Py_ssize_t i = 0; i < count; ++i) {
    std::string path;
    if (!path_of(item_at(executables, i), &path)) continue;
    const std::string real = real_program(path);
    if (real.empty()) continue;
    if (const Level* refusing = refusing_level(snapshot, real, /*runs_program=*/true)) {
      *program = path;
      return refusing;
    }
  }
  return nullptr;
}

// m_self = the original fork_exec: refuse, or pass the arguments through untouched.
PyObject* fork_exec_wrapper(PyObject* original, PyObject* args) {
  const auto snapshot = policy_stack::current();
  if (snapshot->merged.block_subprocess) {
    std::string program;
    if (const Level* refusing = refusing_fork_exec(*snapshot, args, &program)) {
      const std::string hint = refusing->policy.allow_exec.empty() && program.empty()
                                   ? std::string()
                                   : allow_hint::exec(refusing->face, program);
      return deny_now(os_denial(
          "subprocess", "subprocess disabled: _posixsubprocess.fork_exec(" + program + ")" + hint,
          program, "", EPERM));
    }
  }
  return PyObject_CallObject(original, args);
}

PyMethodDef fork_exec_def = {  // NOLINT: CPython keeps a pointer to a mutable definition
    "fork_exec", fork_exec_wrapper, METH_VARARGS,
    "_posixsubprocess.fork_exec, refused while hermetic blocks subprocesses."};

// Set once this process runs under block_native's kernel rows (no new executable memory).
bool g_native_rows = false;

// Under those rows, which every child inherits and exec does not reset, a dynamically linked
// program cannot start: its loader's mmap(PROT_EXEC) of libc fails ("failed to map segment
// from shared object"). The kernel cannot tell that mapping from native code loaded by the
// interpreter, so the start is refused here, up front, with the reason. Static programs run.
int check_new_program(Event event, const Snapshot& snapshot, const char* event_name,
                      PyObject* args) {
  if (event == Event::kOsFork || event == Event::kOsForkpty || event == Event::kOsStartfile) {
    return 0;  // no new program: the child runs this process's code
  }
  const std::string program = event == Event::kOsSystem ? "/bin/sh" : program_of(event, args);
  const char* search_path = std::getenv("PATH");
  const std::string file =
      exec_loader::locate(program, search_path != nullptr ? search_path : "/usr/bin:/bin");
  if (file.empty() || !exec_loader::maps_libraries(file)) return 0;
  return deny(snapshot,
              {"imports",
               std::string("native code blocked: ") + event_name + "(" + program +
                   "): a dynamically linked program cannot start under block_native, whose "
                   "no-executable-memory rule every child inherits",
               program});
}

}  // namespace

void note_native_rows() { g_native_rows = true; }

int check(Event event, const Snapshot& snapshot, const char* event_name, PyObject* args) {
  if (g_native_rows && !snapshot.merged.block_subprocess) {
    return check_new_program(event, snapshot, event_name, args);
  }
  if (!snapshot.merged.block_subprocess) return 0;
  const std::string program = program_of(event, args);
  const bool runs_program = event != Event::kOsFork && event != Event::kOsForkpty;
  // os.system runs the command through the shell: the shell is the program exec'd.
  const std::string real =
      runs_program ? real_program(event == Event::kOsSystem ? "/bin/sh" : program) : std::string();
  const Level* refusing = refusing_level(snapshot, real, runs_program);
  if (refusing == nullptr) {
    return g_native_rows ? check_new_program(event, snapshot, event_name, args) : 0;
  }
  std::string message = std::string("subprocess disabled: ") + event_name;
  message += "(" + program + ")";
  if (runs_program) {
    message += allow_hint::exec(refusing->face, event == Event::kOsSystem ? "/bin/sh"
                                                : real.empty()            ? program
                                                                          : real);
  }
  // os.exec* replaces this process: only the exec is refused, with the kernel's EACCES.
  if (event == Event::kOsExec) {
    return deny(snapshot, os_denial("subprocess", message, program, program, EACCES));
  }
  return deny(snapshot, os_denial("subprocess", message, program, "", EPERM));
}

PyObject* wrap_fork_exec(PyObject* original) {
  // m_self carries the original; the wrapper is a builtin, so it binds no extra argument.
  return PyCFunction_New(&fork_exec_def, original);
}

}  // namespace hermetic::inproc::subprocess_guard
