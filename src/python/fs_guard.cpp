// Filesystem: with fs_readonly every write, create, delete, rename, truncate, chmod/chown/utime,
// link and symlink is denied; with fs_root, reads and listings outside the root (after
// resolving symlinks) are denied too. A refusal is also the PermissionError (EACCES) the kernel
// layer gives, naming the path, so a program's own handling of an unwritable place works
// (best-effort caches, os.makedirs(exist_ok=True)); its message says which --allow-write or
// --allow-read would allow it (CLI).
//
// Two exceptions keep the runtime working:
// - The import system caches bytecode under __pycache__; a write there (or its mkdir) outside
//   the writable places fails with a plain PermissionError and no trace, which importlib
//   ignores, so imports still work (inside them it is written, as bare).
// - Reads by the import system itself (frames of importlib's frozen modules) are not confined
//   to fs_root: modules come from the interpreter prefix, as in the kernel layer's rules.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "allow_hint.hpp"
#include "guards.hpp"
#include "py_ref.hpp"
#include "resolved_paths.hpp"
#include "violation.hpp"

namespace hermetic::inproc::fs_guard {
namespace {

constexpr int kWriteFlags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;

std::string_view parent_name(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  path = path.substr(0, slash);
  slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view base_name(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool in_pycache(std::string_view path) { return parent_name(path) == "__pycache__"; }

// The file behind an fd argument (os.truncate(fd), os.chmod(fd), os.utime(fd)...), as /proc
// names it: the same writable-place check as by path then applies (ftruncate of a file open
// for writing in the TMPDIR is fine, fchmod of a file elsewhere is not). False for anything
// else, or an fd /proc cannot name (then the mutation is refused as of an unknown path).
bool path_of_fd(PyObject* arg, std::string* out) {
  if (arg == nullptr || !PyLong_Check(arg)) return false;
  const long fd = PyLong_AsLong(arg);
  if (fd < 0) {
    PyErr_Clear();
    return false;
  }
  std::array<char, PATH_MAX> target{};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), target.data(), target.size() - 1);
  if (n <= 0 || target[0] != '/') return false;
  out->assign(target.data(), static_cast<std::size_t>(n));
  return true;
}

// realpath for paths that may not exist yet: resolve the deepest existing ancestor and append
// the rest, so "root/../../etc/x" and symlinks cannot hide where a path points.
std::string resolve(const std::string& path) {
  if (auto real = resolved_path(path)) return *std::move(real);
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return resolve("./" + path);
  const std::string parent = slash == 0 ? "/" : path.substr(0, slash);
  const std::string leaf = path.substr(slash + 1);
  // A dot component after a missing directory: the kernel would fail the lookup; do not guess.
  if (leaf == ".." || leaf == ".") return {};
  std::string base = resolve(parent);
  if (base.empty() || base.back() != '/') base += '/';
  return base + leaf;
}

int check_read(const Snapshot& snapshot, const std::string& path, bool reads_content) {
  bool resolved_once = false;
  std::string resolved;
  for (const auto& level : snapshot.levels) {
    if (!level.real_root) continue;
    if (!resolved_once) {
      if (code_guard::caller_is_import_system(reads_content)) return 0;
      resolved = resolve(path);
      resolved_once = true;
    }
    // The root, and what the level explicitly opened up (allow_read; allow_write, which the
    // kernel layer makes readable too).
    if (!path_within(resolved, *level.real_root) && !level.real_readable.hold(resolved) &&
        !level.real_writable.hold(resolved)) {
      return deny(snapshot, {"filesystem",
                             "read outside sandbox root: " + path +
                                 allow_hint::read(level.face, resolved.empty() ? path : resolved),
                             path, ErrorKind::kReadOutside});
    }
  }
  return 0;
}

// A write is allowed when every read-only level lists a writable directory holding the path
// (allow_write; for the CLI also the run's private TMPDIR). The first level that refuses it, or
// null; `resolved` gets the path with its symlinks resolved when it was needed.
const Level* level_refusing_write(const Snapshot& snapshot, const std::string& path,
                                  std::string& resolved) {
  bool resolved_once = false;
  for (const auto& level : snapshot.levels) {
    if (!level.policy.fs_readonly) continue;
    if (level.real_writable.empty()) return &level;
    if (!resolved_once) {
      resolved = resolve(path);
      resolved_once = true;
    }
    if (resolved.empty() || !level.real_writable.hold(resolved)) return &level;
  }
  return nullptr;
}

// A bytecode cache write (or its mkdir) that a level refuses fails quietly (see the top of this
// file); in a writable place it is written, as bare.
int check_pycache_write(const Snapshot& snapshot, const std::string& path) {
  std::string resolved;
  return level_refusing_write(snapshot, path, resolved) != nullptr ? refuse_quietly(path) : 0;
}

int deny_write(const Snapshot& snapshot, const std::string& message, const std::string& path) {
  std::string resolved;
  const Level* refusing = level_refusing_write(snapshot, path, resolved);
  if (refusing == nullptr) return 0;
  if (resolved.empty()) resolved = resolve(path);
  return deny(
      snapshot,
      os_denial("filesystem", message + allow_hint::write(refusing->face, resolved), path, path));
}

bool confines_reads(const Snapshot& snapshot) {
  for (const auto& level : snapshot.levels) {
    if (level.real_root) return true;
  }
  return false;
}

// Whether an `open` event asks to write: its flags, or without them its mode string ("w", "a",
// "x" or "+").
bool open_writes(PyObject* args) {
  PyObject* flags_obj = arg_at(args, 2);
  long flags = 0;
  if (flags_obj != nullptr && PyLong_Check(flags_obj)) {
    flags = PyLong_AsLong(flags_obj);
    if (flags == -1 && PyErr_Occurred()) PyErr_Clear();
  } else {
    PyObject* mode = arg_at(args, 1);
    if (mode != nullptr && PyUnicode_Check(mode) &&
        text_of(mode).find_first_of("wax+") != std::string::npos) {
      flags = O_WRONLY;
    }
  }
  return (flags & kWriteFlags) != 0;
}

// /proc/PID/<file> or /proc/PID/task/TID/<file>, as resolved (/proc/self is a link to
// /proc/PID).
bool is_process_file(const std::string& resolved, std::string_view file) {
  const auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  std::string_view rest(resolved);
  if (!rest.starts_with("/proc/") || !rest.ends_with(file) || rest.size() < 6 + file.size() + 1 ||
      rest[rest.size() - file.size() - 1] != '/') {
    return false;
  }
  rest.remove_prefix(6);
  rest.remove_suffix(file.size() + 1);
  const auto task = rest.find("/task/");
  if (task == std::string_view::npos) return digits(rest);
  return digits(rest.substr(0, task)) && digits(rest.substr(task + 6));
}

// A file of this process: /proc/PID/... with PID its own (the CLI's scrubbed environment is the
// program's to read, by os.environ or by /proc/self/environ).
bool is_own(const std::string& resolved) {
  const std::string own = "/proc/" + std::to_string(::getpid()) + "/";
  return resolved.starts_with(own);
}

// The hot path of this guard (every open() raises the event): decide from the flags first and
// only build the path when a write or a read root needs it.
int check_open(const Snapshot& snapshot, PyObject* args) {
  const bool write = open_writes(args);
  if (!write && !confines_reads(snapshot)) return 0;
  std::string path;
  if (!path_of(arg_at(args, 0), &path)) return 0;  // an fd: opened (and checked) earlier
  if (write) {
    if (in_pycache(path)) return check_pycache_write(snapshot, path);
    return deny_write(snapshot, "filesystem readonly: " + path, path);
  }
  return check_read(snapshot, path, /*reads_content=*/true);
}

int check_listing(const Snapshot& snapshot, PyObject* args) {
  PyObject* target = arg_at(args, 0);
  std::string path;
  if (target == nullptr || target == Py_None) {
    path = ".";
  } else if (!path_of(target, &path)) {
    return 0;  // an fd
  }
  return check_read(snapshot, path, /*reads_content=*/false);
}

// Which arguments of a mutation event name a place written: the one the call changes, not a
// source it only reads (shutil.copyfile(src, dst) writes dst) nor a non-path argument
// (os.setxattr(path, attribute, ...), shutil.make_archive(base_name, format, ...)); and which
// argument is the dir_fd a relative one is resolved against (shutil.rmtree and
// tempfile.TemporaryDirectory remove a tree by names relative to its directories' fds).
struct Argument {
  Py_ssize_t path = -1;    // index of a written path, or -1
  Py_ssize_t dir_fd = -1;  // index of its dir_fd, or -1
};
struct Written {
  Argument first{0, -1};
  Argument second{};
};

Written written_args(std::string_view event) {
  // The event names of kEvents in audit_hook.cpp, with their argument tuples.
  if (event == "os.rename" || event == "os.link") {  // (src, dst, src_dir_fd, dst_dir_fd)
    return {{0, 2}, {1, 3}};  // the source's directory changes too (Landlock's REFER covers both)
  }
  if (event == "shutil.move") return {{0, -1}, {1, -1}};
  if (event == "os.symlink") return {{1, 2}, {}};  // (src, dst, dir_fd): src is the link's text
  if (event == "shutil.copyfile" || event == "shutil.copymode" || event == "shutil.copystat" ||
      event == "shutil.copytree" || event == "shutil.unpack_archive") {
    return {{1, -1}, {}};  // (src, dst...), (filename, extract_dir, format): they read the first
  }
  if (event == "os.remove" || event == "os.rmdir" || event == "shutil.rmtree") {
    return {{0, 1}, {}};  // (path, dir_fd)
  }
  if (event == "os.mkdir" || event == "os.chmod" || event == "os.mkfifo") {
    return {{0, 2}, {}};  // (path, mode, dir_fd)
  }
  // (path, uid, gid, dir_fd), (path, times, ns, dir_fd), (path, mode, device, dir_fd)
  if (event == "os.chown" || event == "os.utime" || event == "os.mknod") return {{0, 3}, {}};
  return {};
}

// A written path argument: a path (a relative one joined to its dir_fd's directory as /proc
// names it), or an fd's file; for shutil.unpack_archive's extract_dir, None is the working
// directory. `exact` is false when a dir_fd could not be named: the path is then taken as
// relative to the working directory, which the kernel would not do.
std::string written_path(std::string_view event, PyObject* args, Argument which, bool* exact) {
  *exact = true;
  PyObject* arg = arg_at(args, which.path);
  std::string path;
  if (path_of(arg, &path)) {
    PyObject* dir_fd = which.dir_fd < 0 ? nullptr : arg_at(args, which.dir_fd);
    if (path.starts_with('/') || dir_fd == nullptr || dir_fd == Py_None) return path;
    std::string dir;
    if (!path_of_fd(dir_fd, &dir)) {
      *exact = false;
      return path;
    }
    return dir == "/" ? dir + path : dir + "/" + path;
  }
  if (path_of_fd(arg, &path)) return path;
  if (event == "shutil.unpack_archive" && (arg == nullptr || arg == Py_None)) return ".";
  return text_of(arg);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

int check_mutation(Event event, const Snapshot& snapshot, const char* event_name, PyObject* args) {
  const Written written = written_args(event_name);
  bool exact = true;
  const std::string path = written_path(event_name, args, written.first, &exact);
  if (event == Event::kOsMkdir) {
    if (base_name(path) == "__pycache__") return check_pycache_write(snapshot, path);
    // mkdir of what exists changes nothing: the call fails with EEXIST, as the kernel answers
    // before any permission check, and os.makedirs(exist_ok=True) and pathlib's mkdir go on.
    // (Without a kernel layer, another process could remove it in between; the in-process layer
    // is no boundary.)
    if (exact && !path.empty() && exists(path)) return 0;
  }
  const auto refuse_unless_writable = [&](const std::string& written_path) {
    return deny_write(
        snapshot,
        std::string("filesystem mutation disabled: ") + event_name + "(" + written_path + ")",
        written_path);
  };
  if (refuse_unless_writable(path) != 0) return -1;
  std::string second;
  if (written.second.path < 0 || !path_of(arg_at(args, written.second.path), &second)) return 0;
  return refuse_unless_writable(written_path(event_name, args, written.second, &exact));
}

}  // namespace

int check_write(const Snapshot& snapshot, const std::string& message, const std::string& path) {
  return deny_write(snapshot, message, path);
}

int check_process_files(const Snapshot& snapshot, PyObject* args) {
  const bool memory = snapshot.merged.block_native && open_writes(args);
  if (!memory && !snapshot.merged.block_environment) return 0;
  std::string path;
  if (!path_of(arg_at(args, 0), &path)) return 0;  // an fd: opened (and checked) earlier
  // The event does not carry os.open's dir_fd: a relative path may start in a directory hermetic
  // cannot see (/proc, /proc/PID: "mem", "self/mem", "1234/environ"), so these two file names
  // are refused as such whenever the path is relative.
  if (!path.starts_with('/')) {
    if (memory && base_name(path) == "mem") {
      return deny(snapshot,
                  os_denial("imports", "native code blocked: write to " + path, path, path));
    }
    if (snapshot.merged.block_environment && base_name(path) == "environ") {
      return deny(snapshot, os_denial("environment", "environment disabled: " + path, path, path));
    }
  }
  // Every write is resolved under block_native (a link anywhere may lead to /proc); reads, on
  // the hot path of every import, only when the name could be in /proc at all.
  const bool maybe_proc = !path.starts_with('/') || path.find("proc") != std::string::npos ||
                          path.find("/fd") != std::string::npos || base_name(path) == "environ";
  if (!memory && !maybe_proc) return 0;
  const std::string resolved = resolve(path);
  if (memory && is_process_file(resolved, "mem")) {
    return deny(snapshot,
                os_denial("imports", "native code blocked: write to " + path, path, path));
  }
  if (snapshot.merged.block_environment && is_process_file(resolved, "environ") &&
      (snapshot.refuses_environment || !is_own(resolved))) {
    return deny(snapshot, os_denial("environment", "environment disabled: " + path, path, path));
  }
  return 0;
}

int check(Event event, const Snapshot& snapshot, const char* event_name, PyObject* args) {
  if (!snapshot.merged.fs_readonly) return 0;  // fs_root implies fs_readonly (PolicyBuilder)
  switch (event) {
    case Event::kOpen:
      return check_open(snapshot, args);
    case Event::kOsListdir:
    case Event::kOsScandir:
      return check_listing(snapshot, args);
    case Event::kOsMkdir:
    case Event::kFsMutation:
      return check_mutation(event, snapshot, event_name, args);
    default:
      return 0;
  }
}

}  // namespace hermetic::inproc::fs_guard
