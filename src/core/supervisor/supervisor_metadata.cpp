#include "supervisor/supervisor_metadata.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "base/fd.hpp"
#include "supervisor/unotify.hpp"

namespace hermetic::supervisor::metadata {
namespace {

// The kernel's limits (include/uapi/linux/limits.h, xattr.h).
constexpr std::size_t kPathMax = 4096;        // PATH_MAX, the NUL included
constexpr std::size_t kXattrNameMax = 255;    // XATTR_NAME_MAX, the NUL excluded
constexpr std::size_t kXattrSizeMax = 65536;  // XATTR_SIZE_MAX
constexpr int kAtFdcwd = -100;                // AT_FDCWD as the kernel reads the int argument
constexpr std::uint64_t kKnownAtFlags = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;

using Args = std::array<std::uint64_t, 6>;

using unotify::read_string;

// What a call asks for, copied from the caller once.
struct Copied {
  std::optional<std::string> path;  // a path call (may be empty with AT_EMPTY_PATH)
  bool follow = true;
  bool empty_path = false;
  std::optional<std::array<timespec, 2>> times;  // utimes: nullopt means "now"
  std::string name;                              // xattrs
  std::vector<std::uint8_t> value;
};

int to_timespec(const timeval& tv, timespec& ts) {
  if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) return EINVAL;
  ts = {tv.tv_sec, tv.tv_usec * 1000};
  return 0;
}

int copy_times(pid_t tid, const CallShape& shape, std::uint64_t pointer, Copied& out) {
  if (pointer == 0) return 0;  // NULL: both times now
  std::array<timespec, 2> times{};
  switch (shape.layout) {
    case TimesLayout::utimbuf: {
      std::array<std::int64_t, 2> seconds{};  // struct utimbuf: actime, modtime
      if (int err = unotify::read_memory(tid, pointer, seconds.data(), sizeof seconds)) return err;
      times = {timespec{seconds[0], 0}, timespec{seconds[1], 0}};
      break;
    }
    case TimesLayout::timeval: {
      std::array<timeval, 2> tv{};
      if (int err = unotify::read_memory(tid, pointer, tv.data(), sizeof tv)) return err;
      for (std::size_t i = 0; i < 2; ++i) {
        if (int err = to_timespec(tv[i], times[i])) return err;
      }
      break;
    }
    case TimesLayout::timespec:
      if (int err = unotify::read_memory(tid, pointer, times.data(), sizeof times)) return err;
      break;
    case TimesLayout::none:
      return EINVAL;
  }
  out.times = times;
  return 0;
}

int copy_arguments(pid_t tid, const CallShape& shape, const Args& args, Copied& out) {
  out.follow = shape.follow;
  if (shape.at_flags >= 0) {
    const std::uint64_t flags = args[shape.at_flags] & 0xffffffffU;
    if ((flags & ~kKnownAtFlags) != 0) return EINVAL;
    out.follow = (flags & AT_SYMLINK_NOFOLLOW) == 0;
    out.empty_path = (flags & AT_EMPTY_PATH) != 0;
  }
  // utimensat(fd, NULL, ...) is futimens: the object is the dirfd itself.
  const bool null_path_is_fd = shape.kind == Kind::utimes && shape.at_flags >= 0;
  if (shape.path >= 0 && !(null_path_is_fd && args[shape.path] == 0)) {
    std::string path;
    if (int err = read_string(tid, args[shape.path], kPathMax, path)) return err;
    out.path = std::move(path);
  }
  if (shape.times >= 0) {
    if (int err = copy_times(tid, shape, args[shape.times], out)) return err;
  }
  if (shape.name >= 0) {
    if (int err = read_string(tid, args[shape.name], kXattrNameMax + 1, out.name)) {
      return err == ENAMETOOLONG ? ERANGE : err;
    }
    if (out.name.empty()) return ERANGE;
  }
  if (shape.value >= 0) {
    const std::uint64_t size = args[shape.size];
    if (size > kXattrSizeMax) return E2BIG;
    out.value.resize(size);
    if (int err = unotify::read_memory(tid, args[shape.value], out.value.data(), size)) return err;
  }
  return 0;
}

Fd open_proc_entry(pid_t tid, const char* entry) {
  const std::string path = "/proc/" + std::to_string(tid) + "/" + entry;
  return Fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
}

// The object of the call, opened O_PATH as the caller would reach it. Returns 0 or an errno.
int resolve(pid_t tid, pid_t tgid, int pidfd, const CallShape& shape, const Args& args,
            const Copied& copied, Fd& object) {
  const auto caller_fd = [&](std::uint64_t number, Fd& out) {
    return unotify::take_fd(pidfd, static_cast<int>(number & 0xffffffffU), out);
  };
  if (shape.fd >= 0) return caller_fd(args[shape.fd], object);
  const int dirfd = shape.dirfd >= 0 ? static_cast<int>(args[shape.dirfd] & 0xffffffffU) : kAtFdcwd;
  const auto base_dir = [&](Fd& out) {
    if (dirfd != kAtFdcwd) return caller_fd(static_cast<std::uint64_t>(dirfd), out);
    out = open_proc_entry(tid, "cwd");
    return out ? 0 : ESRCH;
  };
  if (!copied.path) return base_dir(object);  // utimensat(fd, NULL, ...)
  const std::string& path = *copied.path;
  if (path.empty()) return copied.empty_path ? base_dir(object) : ENOENT;
  if (const auto number = caller_fd_path(path, tid, tgid)) {
    // The fd's own object: only as a followed link (no tool changes the link itself).
    if (!copied.follow) return ELOOP;
    return caller_fd(static_cast<std::uint64_t>(*number), object);
  }
  const bool absolute = path.front() == '/';
  Fd base;
  if (absolute) {
    base = open_proc_entry(tid, "root");
    if (!base) return ESRCH;
  } else if (int err = base_dir(base)) {
    return err;
  }
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (copied.follow ? 0 : O_NOFOLLOW);
  how.resolve = RESOLVE_NO_MAGICLINKS | (absolute ? RESOLVE_IN_ROOT : 0);
  const long fd = ::syscall(SYS_openat2, base.get(), path.c_str(), &how, sizeof how);
  if (fd < 0) return errno;
  object.reset(static_cast<int>(fd));
  return 0;
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// The lines of /proc/<tid>/status that decide what a metadata call may do.
std::string credentials_of(const std::string& status_path) {
  std::ifstream status(status_path);
  std::string line;
  std::string out;
  while (std::getline(status, line)) {
    for (const char* key : {"Uid:", "Gid:", "Groups:", "CapEff:"}) {
      if (line.starts_with(key)) out += line + "\n";
    }
  }
  return out;
}

bool same_credentials(pid_t tid) {
  // hermetic's own never change once it serves (read once, by whichever thread comes first).
  static const std::string ours = credentials_of("/proc/thread-self/status");
  const std::string theirs = credentials_of("/proc/" + std::to_string(tid) + "/status");
  return !theirs.empty() && theirs == ours;
}

// Why the object may not change, or nullopt when it lies in a writable place. `shown` gets the
// object's path for --trace.
std::optional<std::string_view> refusal(int object, const WritablePlaces& places,
                                        std::string& shown) {
  std::array<char, kPathMax> link{};
  const ssize_t length = ::readlink(fd_path(object).c_str(), link.data(), link.size() - 1);
  if (length <= 0) return "an object with no path";
  shown.assign(link.data(), static_cast<std::size_t>(length));
  if (shown.front() != '/' || shown.ends_with(" (deleted)")) return "an object with no path";
  struct stat by_fd {};
  struct stat by_path {};
  if (::fstat(object, &by_fd) != 0) return "an object that cannot be examined";
  const Fd again(::open(shown.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!again || ::fstat(again.get(), &by_path) != 0 || by_path.st_dev != by_fd.st_dev ||
      by_path.st_ino != by_fd.st_ino) {
    return "an object not reachable by its path";
  }
  if (!places.contain(shown)) return "outside the writable places";
  if (!S_ISDIR(by_fd.st_mode) && by_fd.st_nlink > 1) return "a file with several hard links";
  return std::nullopt;
}

long perform_on(int object, const CallShape& shape, const Args& args, const Copied& copied) {
  struct stat st {};
  if (::fstat(object, &st) != 0) return -1;
  const bool symlink = S_ISLNK(st.st_mode);
  const std::string path = fd_path(object);
  switch (shape.kind) {
    case Kind::chmod:
      if (symlink) {
        errno = EOPNOTSUPP;  // what fchmodat2(AT_SYMLINK_NOFOLLOW) answers for a symlink
        return -1;
      }
      return ::chmod(path.c_str(), static_cast<mode_t>(args[shape.mode]));
    case Kind::chown:
      return ::fchownat(object, "", static_cast<uid_t>(args[shape.uid]),
                        static_cast<gid_t>(args[shape.gid]), AT_EMPTY_PATH);
    case Kind::utimes:
      return ::utimensat(object, "", copied.times ? copied.times->data() : nullptr, AT_EMPTY_PATH);
    case Kind::setxattr:
    case Kind::removexattr:
      if (symlink) {
        errno = EPERM;  // user.* attributes on a symlink; the others need privileges
        return -1;
      }
      if (shape.kind == Kind::removexattr) return ::removexattr(path.c_str(), copied.name.c_str());
      return ::setxattr(path.c_str(), copied.name.c_str(), copied.value.data(), copied.value.size(),
                        static_cast<int>(args[shape.xattr_flags]));
  }
  errno = ENOSYS;
  return -1;
}

std::string_view call_name(Kind kind) {
  switch (kind) {
    case Kind::chmod:
      return "chmod";
    case Kind::chown:
      return "chown";
    case Kind::utimes:
      return "utime";
    case Kind::setxattr:
      return "setxattr";
    case Kind::removexattr:
      return "removexattr";
  }
  return "?";
}

Reply failed(int error) { return Reply{0, error, {}, {}, false}; }

}  // namespace

WritablePlaces::WritablePlaces(std::vector<std::string> roots) : roots_(std::move(roots)) {}

bool WritablePlaces::contain(std::string_view real_path) const {
  for (const auto& root : roots_) {
    if (root.empty()) continue;
    if (real_path == root) return true;
    const std::string_view dir = root == "/" ? std::string_view{} : std::string_view(root);
    if (real_path.size() > dir.size() && real_path.starts_with(dir) &&
        real_path[dir.size()] == '/') {
      return true;
    }
  }
  return false;
}

std::optional<CallShape> shape_of(std::string_view syscall) {
  using enum Kind;
  CallShape s;
  if (syscall == "chmod") {
    s = {.kind = chmod, .path = 0, .mode = 1};
  } else if (syscall == "fchmod") {
    s = {.kind = chmod, .fd = 0, .mode = 1};
  } else if (syscall == "fchmodat") {  // the syscall has no flags argument: it follows
    s = {.kind = chmod, .dirfd = 0, .path = 1, .mode = 2};
  } else if (syscall == "fchmodat2") {
    s = {.kind = chmod, .dirfd = 0, .path = 1, .at_flags = 3, .mode = 2};
  } else if (syscall == "chown") {
    s = {.kind = chown, .path = 0, .uid = 1, .gid = 2};
  } else if (syscall == "lchown") {
    s = {.kind = chown, .path = 0, .follow = false, .uid = 1, .gid = 2};
  } else if (syscall == "fchown") {
    s = {.kind = chown, .fd = 0, .uid = 1, .gid = 2};
  } else if (syscall == "fchownat") {
    s = {.kind = chown, .dirfd = 0, .path = 1, .at_flags = 4, .uid = 2, .gid = 3};
  } else if (syscall == "utime") {
    s = {.kind = utimes, .path = 0, .times = 1, .layout = TimesLayout::utimbuf};
  } else if (syscall == "utimes") {
    s = {.kind = utimes, .path = 0, .times = 1, .layout = TimesLayout::timeval};
  } else if (syscall == "futimesat") {
    s = {.kind = utimes, .dirfd = 0, .path = 1, .times = 2, .layout = TimesLayout::timeval};
  } else if (syscall == "utimensat") {
    s = {.kind = utimes,
         .dirfd = 0,
         .path = 1,
         .at_flags = 3,
         .times = 2,
         .layout = TimesLayout::timespec};
  } else if (syscall == "setxattr" || syscall == "lsetxattr") {
    s = {.kind = setxattr,
         .path = 0,
         .follow = syscall == "setxattr",
         .name = 1,
         .value = 2,
         .size = 3,
         .xattr_flags = 4};
  } else if (syscall == "fsetxattr") {
    s = {.kind = setxattr, .fd = 0, .name = 1, .value = 2, .size = 3, .xattr_flags = 4};
  } else if (syscall == "removexattr" || syscall == "lremovexattr") {
    s = {.kind = removexattr, .path = 0, .follow = syscall == "removexattr", .name = 1};
  } else if (syscall == "fremovexattr") {
    s = {.kind = removexattr, .fd = 0, .name = 1};
  } else {
    return std::nullopt;
  }
  return s;
}

std::optional<int> caller_fd_path(std::string_view path, pid_t tid, pid_t tgid) {
  std::string_view rest;
  for (const std::string& prefix :
       {std::string("/dev/fd/"), std::string("/proc/self/fd/"),
        std::string("/proc/thread-self/fd/"), "/proc/" + std::to_string(tgid) + "/fd/",
        "/proc/" + std::to_string(tid) + "/fd/",
        "/proc/" + std::to_string(tgid) + "/task/" + std::to_string(tid) + "/fd/"}) {
    if (path.starts_with(prefix)) {
      rest = path.substr(prefix.size());
      break;
    }
  }
  if (rest.empty() || (rest.front() == '0' && rest.size() > 1)) return std::nullopt;
  int number = 0;
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
  if (error != std::errc{} || end != rest.data() + rest.size() || number < 0) return std::nullopt;
  return number;
}

Reply perform(std::string_view syscall, const seccomp_notif& n, int listener,
              const WritablePlaces& places) {
  const auto shape = shape_of(syscall);
  if (!shape) return failed(ENOSYS);  // a supervised row without a handler: refuse
  const auto tid = static_cast<pid_t>(n.pid);
  Args args{};
  std::copy(std::begin(n.data.args), std::end(n.data.args), args.begin());
  Copied copied;
  const int copy_error = copy_arguments(tid, *shape, args, copied);
  const pid_t tgid = unotify::thread_group_of(tid);
  Fd pidfd;
  Fd object;
  int resolve_error = copy_error;
  if (resolve_error == 0) {
    auto opened = unotify::open_pidfd(tid);
    if (opened) {
      pidfd = std::move(opened).value();
      resolve_error = resolve(tid, tgid, pidfd.get(), *shape, args, copied, object);
    } else {
      resolve_error = ESRCH;
    }
  }
  const bool credentials_match = resolve_error == 0 && same_credentials(tid);
  // Only now is every /proc entry and fd known to have been the caller's.
  if (!unotify::still_valid(listener, n.id)) {
    Reply reply;
    reply.stale = true;
    return reply;
  }
  if (resolve_error != 0) return failed(resolve_error);
  if (!credentials_match) return failed(EPERM);
  std::string shown;
  if (const auto why = refusal(object.get(), places, shown)) {
    Reply reply;
    reply.error = EROFS;
    reply.blocked = std::string(call_name(shape->kind)) + "(" + shown + ")";
    reply.why = *why;
    return reply;
  }
  const long rc = perform_on(object.get(), *shape, args, copied);
  return rc < 0 ? failed(errno) : Reply{};
}

}  // namespace hermetic::supervisor::metadata
