// The metadata calls of --fs-readonly (the chmod, chown, utime and xattr families), which no
// Landlock right covers. The filter sends them here; the supervisor performs each one for the
// caller when its object lies in a writable place (the private TMPDIR, an --allow-write path)
// and refuses it with EROFS everywhere else.
//
// The supervisor's rules hold: what the caller passed (path, times, xattr name and value) is
// copied exactly once; the object is resolved once, to an O_PATH fd, as the caller would see it
// (its root, its working directory, its dirfd, taken with pidfd_getfd); the decision is made on
// that fd; and the call is performed on that same fd. A path the caller rewrites, or a symlink it
// swaps in meanwhile, changes nothing: the object decided on is the object changed. Never
// SECCOMP_USER_NOTIF_FLAG_CONTINUE.
//
// What counts as "in a writable place": the path the kernel gives the object (its d_path) is a
// writable root or lies beneath one, that path leads back to the same inode from here (so a
// detached or foreign mount cannot pass for it), and a file that is not a directory has one link
// only (another name of a hard-linked file may lie anywhere). Magic links (/proc/PID/fd/N,
// /proc/PID/cwd) are not followed while resolving; /proc/self/fd/N and /dev/fd/N as a whole
// path name the caller's fd N, as glibc's chmod fallbacks use them. The caller's credentials must
// be the supervisor's: the call is performed with the supervisor's.
#pragma once

#include <linux/seccomp.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/supervisor_calls.hpp"

namespace hermetic::supervisor::metadata {

// The places where metadata may change: canonical absolute paths, directories or files.
class WritablePlaces {
 public:
  WritablePlaces() = default;
  explicit WritablePlaces(std::vector<std::string> roots);
  // True when `real_path` (canonical, absolute) is a root or lies beneath a directory root.
  [[nodiscard]] bool contain(std::string_view real_path) const;

 private:
  std::vector<std::string> roots_;
};

// How a metadata call lays out its arguments (indices into seccomp_data.args; -1: absent).
enum class Kind { chmod, chown, utimes, setxattr, removexattr };
enum class TimesLayout { none, utimbuf, timeval, timespec };
struct CallShape {
  Kind kind = Kind::chmod;
  int fd = -1;         // an fd call: the object is this fd
  int dirfd = -1;      // a path call relative to this dirfd (-1: AT_FDCWD)
  int path = -1;       // the path (a path call)
  int at_flags = -1;   // AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH
  bool follow = true;  // without AT_* flags: does the call follow a final symlink?
  int mode = -1;       // chmod
  int uid = -1;        // chown
  int gid = -1;
  int times = -1;  // utimes, laid out as `layout`
  TimesLayout layout = TimesLayout::none;
  int name = -1;  // xattrs
  int value = -1;
  int size = -1;
  int xattr_flags = -1;
};

// The shape of a supervised metadata syscall by its libseccomp name; nullopt for any other.
[[nodiscard]] std::optional<CallShape> shape_of(std::string_view syscall);

// If `path` names one of the caller's fds as a whole (/proc/self/fd/N, /proc/thread-self/fd/N,
// /proc/<pid or tid>/fd/N of the caller, /dev/fd/N), that fd's number.
[[nodiscard]] std::optional<int> caller_fd_path(std::string_view path, pid_t tid, pid_t tgid);

// Performs the metadata call `syscall` that `notification` describes, or refuses it. Fails
// closed: memory, fds or /proc entries of the caller that cannot be read refuse the call.
[[nodiscard]] Reply perform(std::string_view syscall, const seccomp_notif& notification,
                            int listener, const WritablePlaces& places);

}  // namespace hermetic::supervisor::metadata
