#include "supervisor/landlock_report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <utility>

#include "landlock/landlock_abi.hpp"

namespace hermetic::supervisor::landlock_report {
namespace {

namespace ll = landlock::uapi::fs;

constexpr std::uint64_t kRenameNoReplace = 1U << 0U;  // RENAME_NOREPLACE (<linux/fs.h>)
constexpr std::uint64_t kRenameExchange = 1U << 1U;   // RENAME_EXCHANGE
constexpr std::uint64_t kReadRights = ll::kReadFile | ll::kReadDir | ll::kExecute;

// The object of a path that names the caller's own fds or process (call_uses keeps these as
// written, "/dev/stdout", "/proc/self/fd/3"): found through the caller's /proc entries. Nullopt
// for an object with no path (a pipe, a socket), which Landlock lets through.
std::optional<std::string> object_of(const std::string& path, pid_t tid) {
  const std::string proc = "/proc/" + std::to_string(tid) + "/";
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kOwn{{
      {"/dev/stdin", "fd/0"},
      {"/dev/stdout", "fd/1"},
      {"/dev/stderr", "fd/2"},
      {"/dev/fd/", "fd/"},
      {"/proc/self/", ""},
      {"/proc/thread-self/", ""},
  }};
  for (const auto& [prefix, entry] : kOwn) {
    if (!path.starts_with(prefix)) continue;
    if (!prefix.ends_with('/') && path.size() != prefix.size()) continue;
    const std::string translated = proc + std::string(entry) + path.substr(prefix.size());
    std::error_code ec;
    auto real = std::filesystem::canonical(translated, ec);
    if (ec) return std::nullopt;
    return real.string();
  }
  return path;
}

std::string parent_of(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

std::optional<struct stat> lstat_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return st;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The MAKE_* right a new entry of this type needs (Landlock's get_mode_access); mknod's mode 0
// makes a regular file.
std::uint64_t make_right(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return ll::kMakeDir;
    case S_IFLNK:
      return ll::kMakeSym;
    case S_IFIFO:
      return ll::kMakeFifo;
    case S_IFSOCK:
      return ll::kMakeSock;
    case S_IFCHR:
      return ll::kMakeChar;
    case S_IFBLK:
      return ll::kMakeBlock;
    default:
      return ll::kMakeReg;
  }
}

std::uint64_t remove_right(mode_t mode) { return S_ISDIR(mode) ? ll::kRemoveDir : ll::kRemoveFile; }

// What a call asks of Landlock, and what the kernel checks before Landlock is asked.
struct Asked {
  std::vector<fs_judge::Access> accesses;
  std::string entry_dir;  // a directory entry is changed here: a read-only mount refuses first
  std::string opened;     // an existing file is opened: its permissions are checked first
  int open_mode = 0;      // R_OK, W_OK for `opened`
};

// An open of an existing object (use.flags are its open flags).
std::optional<Asked> asked_of_open(const std::string& object, std::uint64_t flags) {
  if ((flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) return std::nullopt;  // EEXIST
  const std::uint64_t mode = flags & 3U;
  const bool reads = mode == O_RDONLY || mode == O_RDWR;
  const bool writes = mode == O_WRONLY || mode == O_RDWR;
  // O_TMPFILE makes a file with no name in the directory: its hierarchy is the directory's.
  const bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
  const bool directory = is_directory(object);
  if (directory && writes && !tmpfile) return std::nullopt;  // EISDIR
  std::uint64_t rights = 0;
  if (writes) rights |= ll::kWriteFile;
  if (reads) rights |= directory && !tmpfile ? ll::kReadDir : ll::kReadFile;
  if (rights == 0) return std::nullopt;
  Asked asked{{{object, rights}}, {}, object, (writes ? W_OK : 0) | (reads ? R_OK : 0)};
  return asked;
}

std::optional<Asked> asked_of(const call_uses::Use& use, const std::string& object) {
  const std::string_view op = use.operation;
  const std::string parent = parent_of(object);
  if (use.capability == "subprocess") {
    // An exec opens the program to read and execute it (its #! interpreter and ELF loader
    // too, which are not judged here: a line may be missed, never written for nothing).
    if (op != "exec") return std::nullopt;
    return Asked{{{object, ll::kExecute | ll::kReadFile}}, {}, object, X_OK};
  }
  if (use.capability == "fs_read" || op == "open") {
    return asked_of_open(object, use.flags);
  }
  if (op == "create" || op == "mkdir") {
    if (lstat_of(object) || !is_directory(parent)) return std::nullopt;  // EEXIST, ENOENT
    std::uint64_t rights = op == "mkdir" ? ll::kMakeDir : ll::kMakeReg;
    if (use.syscall == "mknod" || use.syscall == "mknodat") {
      rights = make_right(static_cast<mode_t>(use.flags));
    } else if (op == "create") {  // an open with O_CREAT: the new file is then opened
      const std::uint64_t mode = use.flags & 3U;
      if (mode == O_WRONLY || mode == O_RDWR) rights |= ll::kWriteFile;
      if (mode == O_RDONLY || mode == O_RDWR) rights |= ll::kReadFile;
    }
    return Asked{{{parent, rights}}, parent, {}, 0};
  }
  if (op == "remove") {
    const auto st = lstat_of(object);
    if (!st) return std::nullopt;  // ENOENT
    return Asked{{{parent, remove_right(st->st_mode)}}, parent, {}, 0};
  }
  if (op == "link" && (use.syscall == "symlink" || use.syscall == "symlinkat")) {
    if (lstat_of(object) || !is_directory(parent)) return std::nullopt;
    return Asked{{{parent, ll::kMakeSym}}, parent, {}, 0};
  }
  if (op == "link") {  // path: the new name; path2: the existing file
    const auto existing = lstat_of(use.path2);
    if (!existing || lstat_of(object) || !is_directory(parent)) return std::nullopt;
    Asked asked{{{parent, make_right(existing->st_mode)}}, parent, {}, 0};
    const std::string from = parent_of(use.path2);
    if (from != parent) {
      asked.accesses.push_back({from, ll::kRefer});
      asked.accesses.push_back({parent, ll::kRefer});
    }
    return asked;
  }
  if (op == "rename") {  // path: the old name; path2: the new one
    const auto source = lstat_of(object);
    const std::string to = parent_of(use.path2);
    if (!source || !is_directory(to)) return std::nullopt;
    const auto target = lstat_of(use.path2);
    if ((use.flags & kRenameNoReplace) != 0 && target) return std::nullopt;  // EEXIST
    const bool exchange = (use.flags & kRenameExchange) != 0;
    if (exchange && !target) return std::nullopt;  // ENOENT
    Asked asked{
        {{parent, remove_right(source->st_mode)}, {to, make_right(source->st_mode)}}, to, {}, 0};
    if (target) asked.accesses.push_back({to, remove_right(target->st_mode)});
    if (exchange) asked.accesses.push_back({parent, make_right(target->st_mode)});
    if (to != parent) {
      asked.accesses.push_back({parent, ll::kRefer});
      asked.accesses.push_back({to, ll::kRefer});
    }
    return asked;
  }
  return std::nullopt;  // not a call Landlock decides
}

bool read_only_mount(const std::string& directory) {
  struct statvfs st {};
  return ::statvfs(directory.c_str(), &st) == 0 && (st.f_flag & ST_RDONLY) != 0;
}

}  // namespace

std::optional<Refusal> judge(const fs_judge::Judge& judge, const call_uses::Use& use, pid_t tid) {
  if (use.path.empty()) return std::nullopt;
  const auto object = object_of(use.path, tid);
  if (!object) return std::nullopt;
  const auto asked = asked_of(use, *object);
  if (!asked) return std::nullopt;
  std::uint64_t missing = 0;
  for (const auto& access : asked->accesses) missing |= judge.refused(access);
  if (missing == 0) return std::nullopt;
  // Refused by Landlock, unless the kernel refuses first (asked only now: a call Landlock lets
  // through costs none of this). A read-only mount fails a new name before Landlock's hook; the
  // file's permissions fail an open before it.
  if (!asked->entry_dir.empty() && read_only_mount(asked->entry_dir)) return std::nullopt;
  if (!asked->opened.empty() &&
      ::faccessat(AT_FDCWD, asked->opened.c_str(), asked->open_mode, AT_EACCESS) != 0) {
    return std::nullopt;
  }
  if (use.capability == "subprocess") {
    return Refusal{"subprocess", "exec", use.path, {}, "--no-subprocess"};
  }
  if ((missing & ~kReadRights) != 0) {
    return Refusal{"fs_write", use.operation, use.path, use.path2, "--fs-readonly"};
  }
  return Refusal{
      "fs_read", is_directory(*object) ? "list" : "open", use.path, {}, "--fs-readonly=ROOT"};
}

}  // namespace hermetic::supervisor::landlock_report
