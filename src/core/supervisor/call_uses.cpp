#include "supervisor/call_uses.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <iterator>
#include <optional>
#include <span>
#include <system_error>

#include "policy/address_class.hpp"
#include "policy/address_policy.hpp"
#include "supervisor/target_decode.hpp"
#include "supervisor/unotify.hpp"

namespace hermetic::call_uses {
namespace {

using syscall_rules::ArgTest;
using syscall_rules::Capability;

constexpr std::size_t kPathMax = 4096;
constexpr int kAtFdcwd = -100;  // AT_FDCWD as the kernel reads the int argument

// How a row's arguments are read. Path arguments name a dirfd argument (-1: the cwd).
enum class Kind {
  open,      // path, flags: fs_write (create/open) or fs_read (open/list) by the flags
  open_how,  // openat2: the flags are the first field of struct open_how (args[2])
  file,      // a path (or an fd) changed by `operation`
  exec,      // a program run
  address,   // connect, bind, sendto: sockaddr at `path`, its length at `flags`
  message,   // sendmsg: msghdr at args[1]
  messages,  // sendmmsg: mmsghdr array at args[1], count args[2]
  listen,    // the socket's own address (getsockname on the caller's fd)
  fork,      // a new process
  clone3,    // a new process unless clone_args.flags has CLONE_THREAD
};

struct Row {
  std::string_view syscall;
  Capability capability;
  std::string_view operation;
  Kind kind;
  int dirfd = -1;   // dirfd of `path`, -1 for the cwd
  int path = -1;    // the path argument (the new name for link and symlink)
  int dirfd2 = -1;  // the second path: rename's new name, link's existing file
  int path2 = -1;
  int fd = -1;     // an fd argument naming the object (fchmod, ...), or the object with no path
  int flags = -1;  // open flags; for addresses, the length argument; for a file call, an argument
                   // the use carries as its flags (mknod's mode, renameat2's flags)
  bool follow = true;  // a final symlink is followed (chmod) or is the object itself (unlink)
  ArgTest test = ArgTest::always;
  std::uint64_t value = 0;
  int number_if_unknown = -1;
};

constexpr int kCreat = -2;  // flags of creat(): O_CREAT | O_WRONLY | O_TRUNC

using enum Capability;
// The one table of observed calls. Reads are opens; writes are every call that makes, changes or
// removes a name or a file's metadata (the same set --fs-readonly refuses); network uses are the
// calls that name a destination or a local port; processes are forks and execs.
const std::array kRows{
    Row{"connect", network, "connect", Kind::address, -1, 1, -1, -1, 0, 2},
    Row{"sendto", network, "sendto", Kind::address, -1, 4, -1, -1, 0, 5, true,
        ArgTest::arg4_not_zero},
    Row{"sendmsg", network, "sendto", Kind::message},
    Row{"sendmmsg", network, "sendto", Kind::messages},
    Row{"bind", network, "bind", Kind::address, -1, 1, -1, -1, 0, 2},
    Row{"listen", network, "listen", Kind::listen, -1, -1, -1, -1, 0},
    Row{"fork", subprocess, "fork", Kind::fork},
    Row{"vfork", subprocess, "fork", Kind::fork},
    Row{"clone", subprocess, "fork", Kind::fork, -1, -1, -1, -1, -1, -1, true,
        ArgTest::arg0_bits_clear, CLONE_THREAD},
    Row{"clone3", subprocess, "fork", Kind::clone3, -1, -1, -1, -1, -1, -1, true, ArgTest::always,
        0, 435},
    Row{"execve", subprocess, "exec", Kind::exec, -1, 0},
    Row{"execveat", subprocess, "exec", Kind::exec, 0, 1, -1, -1, 0},
    Row{"open", fs_read, "open", Kind::open, -1, 0, -1, -1, -1, 1},
    Row{"openat", fs_read, "open", Kind::open, 0, 1, -1, -1, -1, 2},
    Row{"openat2", fs_read, "open", Kind::open_how, 0, 1, -1, -1, -1, 2, true, ArgTest::always, 0,
        437},
    Row{"creat", fs_write, "create", Kind::open, -1, 0, -1, -1, -1, kCreat},
    Row{"mkdir", fs_write, "mkdir", Kind::file, -1, 0, -1, -1, -1, -1, false},
    Row{"mkdirat", fs_write, "mkdir", Kind::file, 0, 1, -1, -1, -1, -1, false},
    Row{"mknod", fs_write, "create", Kind::file, -1, 0, -1, -1, -1, 1, false},
    Row{"mknodat", fs_write, "create", Kind::file, 0, 1, -1, -1, -1, 2, false},
    Row{"unlink", fs_write, "remove", Kind::file, -1, 0, -1, -1, -1, -1, false},
    Row{"unlinkat", fs_write, "remove", Kind::file, 0, 1, -1, -1, -1, -1, false},
    Row{"rmdir", fs_write, "remove", Kind::file, -1, 0, -1, -1, -1, -1, false},
    Row{"rename", fs_write, "rename", Kind::file, -1, 0, -1, 1, -1, -1, false},
    Row{"renameat", fs_write, "rename", Kind::file, 0, 1, 2, 3, -1, -1, false},
    Row{"renameat2", fs_write, "rename", Kind::file, 0, 1, 2, 3, -1, 4, false},
    Row{"link", fs_write, "link", Kind::file, -1, 1, -1, 0, -1, -1, false},
    Row{"linkat", fs_write, "link", Kind::file, 2, 3, 0, 1, -1, -1, false},
    Row{"symlink", fs_write, "link", Kind::file, -1, 1, -1, -1, -1, -1, false},
    Row{"symlinkat", fs_write, "link", Kind::file, 1, 2, -1, -1, -1, -1, false},
    Row{"chmod", fs_write, "chmod", Kind::file, -1, 0},
    Row{"fchmod", fs_write, "chmod", Kind::file, -1, -1, -1, -1, 0},
    Row{"fchmodat", fs_write, "chmod", Kind::file, 0, 1},
    Row{"fchmodat2", fs_write, "chmod", Kind::file, 0, 1, -1, -1, -1, -1, true, ArgTest::always, 0,
        452},
    Row{"chown", fs_write, "chown", Kind::file, -1, 0},
    Row{"lchown", fs_write, "chown", Kind::file, -1, 0, -1, -1, -1, -1, false},
    Row{"fchown", fs_write, "chown", Kind::file, -1, -1, -1, -1, 0},
    Row{"fchownat", fs_write, "chown", Kind::file, 0, 1},
    Row{"truncate", fs_write, "truncate", Kind::file, -1, 0},
    Row{"utime", fs_write, "utime", Kind::file, -1, 0},
    Row{"utimes", fs_write, "utime", Kind::file, -1, 0},
    Row{"futimesat", fs_write, "utime", Kind::file, 0, 1},
    Row{"utimensat", fs_write, "utime", Kind::file, 0, 1, -1, -1, 0},
    Row{"setxattr", fs_write, "xattr", Kind::file, -1, 0},
    Row{"lsetxattr", fs_write, "xattr", Kind::file, -1, 0, -1, -1, -1, -1, false},
    Row{"fsetxattr", fs_write, "xattr", Kind::file, -1, -1, -1, -1, 0},
    Row{"removexattr", fs_write, "xattr", Kind::file, -1, 0},
    Row{"lremovexattr", fs_write, "xattr", Kind::file, -1, 0, -1, -1, -1, -1, false},
    Row{"fremovexattr", fs_write, "xattr", Kind::file, -1, -1, -1, -1, 0},
};

std::string read_link(const std::string& path) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(path, ec);
  return ec ? std::string() : target.string();
}

std::string proc(pid_t pid, std::string_view entry) {
  return "/proc/" + std::to_string(pid) + "/" + std::string(entry);
}

// `path` made absolute against the caller's cwd or dirfd, then with symlinks resolved as the
// kernel would reach the object (the final component only when `follow`): the path a Landlock
// rule must name. A name that does not exist yet keeps its last component.
std::string resolve(pid_t pid, std::uint64_t dirfd_arg, bool has_dirfd, const std::string& path,
                    bool follow) {
  namespace fs = std::filesystem;
  fs::path full(path);
  if (!full.is_absolute()) {
    const int dirfd = has_dirfd ? static_cast<int>(dirfd_arg & 0xffffffffU) : kAtFdcwd;
    const std::string base =
        read_link(dirfd == kAtFdcwd ? proc(pid, "cwd") : proc(pid, "fd/" + std::to_string(dirfd)));
    if (base.empty()) return {};
    full = fs::path(base) / full;
  }
  full = full.lexically_normal();
  // Names of the caller's own fds and process: resolved here they would name hermetic's. They
  // stay as written (synthesis leaves them out: stdio is the target's anyway).
  std::string text = full.string();
  for (const char* own : {"/dev/std", "/dev/fd/", "/proc/self/", "/proc/thread-self/"}) {
    if (text.starts_with(own)) return text;
  }
  std::error_code ec;
  std::string resolved;
  if (follow) {
    auto real = fs::canonical(full, ec);
    if (!ec) resolved = real.string();
  }
  if (resolved.empty()) {
    if (!full.has_filename()) full = full.parent_path();
    auto parent = fs::canonical(full.parent_path(), ec);
    if (ec) return full.string();
    resolved = (parent / full.filename()).string();
  }
  // A path through /proc's own links ("/proc/mounts" is "self/mounts") resolved here names
  // hermetic's process: it is the caller's.
  const std::string own = "/proc/" + std::to_string(::getpid()) + "/";
  if (resolved.starts_with(own)) {
    resolved = "/proc/" + std::to_string(pid) + "/" + resolved.substr(own.size());
  }
  return resolved;
}

// The object of an fd argument, as /proc shows it ("" for pipes, sockets and the like).
std::string fd_object(pid_t pid, std::uint64_t fd) {
  const std::string target = read_link(proc(pid, "fd/" + std::to_string(fd & 0xffffffffU)));
  return target.starts_with('/') ? target : std::string();
}

// An inet socket address copied from the caller; nullopt for other families or unreadable bytes.
std::optional<std::pair<std::string, long>> copy_address(pid_t pid, std::uint64_t pointer,
                                                         std::uint64_t length_arg) {
  const auto length = target_decode::address_length(length_arg);
  if (!length.ok() || length.value == 0 || pointer == 0) return std::nullopt;
  std::array<std::byte, target_decode::kMaxSockaddr> bytes{};
  if (unotify::read_memory(pid, pointer, bytes.data(), length.value) != 0) return std::nullopt;
  const auto decoded = target_decode::decode_sockaddr(std::span(bytes.data(), length.value));
  if (!decoded.ok()) return std::nullopt;
  const auto& address = decoded.value;
  if (address.kind == target_decode::AddressKind::inet) {
    return std::pair{address_class::to_text(address.endpoint.address),
                     static_cast<long>(address.endpoint.port)};
  }
  if (address.kind == target_decode::AddressKind::unix_path) {
    return std::pair{address.unix_name, -1L};
  }
  if (address.kind == target_decode::AddressKind::unix_abstract) {
    return std::pair{"@" + address.unix_name, -1L};
  }
  return std::nullopt;
}

// The destinations of a msghdr's name (sendmsg, each of sendmmsg's).
void message_destination(pid_t pid, const target_decode::KernelMsghdr& header,
                         std::vector<Use>& out) {
  const auto plan = target_decode::plan_message(header);
  if (!plan.ok() || plan.value.name_length == 0) return;
  if (auto destination = copy_address(pid, plan.value.name, plan.value.name_length)) {
    out.emplace_back("network", "sendto", "", "", destination->first, destination->second);
  }
}

// The uses one trapped call makes (none, one, or several for sendmmsg).
std::vector<Use> uses_of_row(const Row& row, const seccomp_notif& n) {
  std::vector<Use> out;
  const auto pid = static_cast<pid_t>(n.pid);
  const auto& args = n.data.args;
  const auto path_arg = [&](int index, int dirfd_index, bool follow) -> std::optional<std::string> {
    std::string path;
    if (unotify::read_string(pid, args[index], kPathMax, path) != 0) return std::nullopt;
    if (path.empty()) return std::nullopt;
    return resolve(pid, dirfd_index >= 0 ? args[dirfd_index] : 0, dirfd_index >= 0, path, follow);
  };
  switch (row.kind) {
    case Kind::fork:
      out.emplace_back("subprocess", "fork");
      break;
    case Kind::clone3: {
      std::uint64_t flags = 0;
      if (unotify::read_memory(pid, args[0], &flags, sizeof flags) != 0) break;
      if ((flags & CLONE_THREAD) == 0) out.emplace_back("subprocess", "fork");
      break;
    }
    case Kind::exec: {
      std::optional<std::string> path = path_arg(row.path, row.dirfd, true);
      if (!path && row.fd >= 0) path = fd_object(pid, args[row.fd]);  // execveat(fd, "", ...)
      // execvp tries each PATH entry: only a file that is there is a program run.
      struct stat st {};
      if (path && !path->empty() && ::stat(path->c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        out.emplace_back("subprocess", "exec", *path);
      }
      break;
    }
    case Kind::address:
      if (auto address = copy_address(pid, args[row.path], args[row.flags])) {
        out.emplace_back("network", row.operation, "", "", address->first, address->second);
      }
      break;
    case Kind::message: {
      target_decode::KernelMsghdr header{};
      if (unotify::read_memory(pid, args[1], &header, sizeof header) == 0) {
        message_destination(pid, header, out);
      }
      break;
    }
    case Kind::messages: {
      const std::size_t count = target_decode::message_count(args[2]);
      for (std::size_t i = 0; i < count; ++i) {
        target_decode::KernelMmsghdr entry{};
        if (unotify::read_memory(pid, args[1] + i * sizeof entry, &entry, sizeof entry) != 0) break;
        message_destination(pid, entry.hdr, out);
      }
      break;
    }
    case Kind::listen: {
      const Fd pidfd = [&] {
        auto opened = unotify::open_pidfd(pid);
        return opened ? std::move(opened).value() : Fd();
      }();
      Fd socket;
      if (!pidfd ||
          unotify::take_fd(pidfd.get(), static_cast<int>(args[0] & 0xffffffffU), socket) != 0) {
        break;
      }
      sockaddr_storage storage{};
      socklen_t length = sizeof storage;
      if (getsockname(socket.get(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) break;
      if (auto endpoint = address_policy::from_sockaddr(storage, length)) {
        out.emplace_back("network", "listen", "", "", address_class::to_text(endpoint->address),
                         static_cast<long>(endpoint->port));
      }
      break;
    }
    case Kind::open:
    case Kind::open_how: {
      std::uint64_t flags = 0;
      if (row.flags == kCreat) {
        flags = O_CREAT | O_WRONLY | O_TRUNC;
      } else if (row.kind == Kind::open_how) {
        if (unotify::read_memory(pid, args[row.flags], &flags, sizeof flags) != 0) break;
      } else {
        flags = args[row.flags] & 0xffffffffU;
      }
      if ((flags & O_PATH) != 0) break;  // no access to the file's contents
      // The access mode as the kernel reads it (musl's O_ACCMODE includes O_PATH).
      const std::uint64_t mode = flags & 3U;
      const bool writes = mode != O_RDONLY || (flags & (O_TRUNC | O_CREAT)) != 0;
      auto path = path_arg(row.path, row.dirfd, (flags & O_NOFOLLOW) == 0);
      if (!path || path->empty()) break;
      struct stat st {};
      const bool exists = ::stat(path->c_str(), &st) == 0;
      if (writes) {
        // Called before the kernel runs the open: a name that is not there yet is a creation.
        const bool creates = !exists && (flags & O_CREAT) != 0;
        out.emplace_back("fs_write", creates ? "create" : "open", *path);
      } else if (mode != 3U && exists) {  // a missing file is ENOENT with or without a grant
        out.emplace_back("fs_read", exists && S_ISDIR(st.st_mode) ? "list" : "open", *path);
      }
      if (!out.empty()) out.back().flags = flags;
      break;
    }
    case Kind::file: {
      std::optional<std::string> path;
      const bool null_path = row.path >= 0 && args[row.path] == 0;
      if (row.path >= 0 && !null_path) {
        path = path_arg(row.path, row.dirfd, row.follow);
        // fchownat/utimensat(fd, "", AT_EMPTY_PATH): the dirfd's own object.
        if (!path && row.dirfd >= 0) path = fd_object(pid, args[row.dirfd]);
      } else if (row.fd >= 0) {
        path = fd_object(pid, args[row.fd]);
      }
      if (!path || path->empty()) break;
      Use use("fs_write", row.operation, *path);
      if (row.flags >= 0) use.flags = args[row.flags];
      if (row.path2 >= 0) {
        if (auto second = path_arg(row.path2, row.dirfd2, false)) use.path2 = *second;
      } else if (row.syscall == "symlink" || row.syscall == "symlinkat") {
        (void)unotify::read_string(pid, args[0], kPathMax, use.path2);  // the link's text
      }
      out.push_back(std::move(use));
      break;
    }
  }
  return out;
}

}  // namespace

std::vector<syscall_rules::Rule> rules() {
  std::vector<syscall_rules::Rule> out;
  out.reserve(kRows.size());
  for (const Row& row : kRows) {
    out.push_back({row.capability, row.syscall, 0, row.test, row.value, row.operation,
                   syscall_rules::When::always, syscall_rules::Action::supervise,
                   row.number_if_unknown});
  }
  return out;
}

Decoder::Decoder() {
  for (std::size_t i = 0; i < kRows.size(); ++i) {
    int nr = seccomp_syscall_resolve_name(std::string(kRows[i].syscall).c_str());
    if (nr == __NR_SCMP_ERROR) nr = kRows[i].number_if_unknown;
    if (nr >= 0) rows_.emplace_back(nr, i);
  }
}

std::vector<Use> Decoder::uses_of(const seccomp_notif& n) const {
  if (n.data.arch != seccomp_arch_native()) return {};
  std::array<std::uint64_t, 6> args{};
  std::copy(std::begin(n.data.args), std::end(n.data.args), args.begin());
  for (const auto& [nr, index] : rows_) {
    if (nr != n.data.nr) continue;
    const Row& row = kRows[index];
    const syscall_rules::Rule rule{row.capability, row.syscall, 0, row.test, row.value, ""};
    if (!syscall_rules::matches(rule, args)) continue;
    auto out = uses_of_row(row, n);
    for (auto& use : out) use.syscall = row.syscall;
    return out;
  }
  return {};
}

}  // namespace hermetic::call_uses
