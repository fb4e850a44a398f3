// Seccomp user notification, the kernel side of the supervisor: receive a trapped call, read the
// caller's memory, take its fds, check the call is still pending, answer it. Thin wrappers, each
// returning an errno or a Result; no policy here.
#pragma once

#include <linux/seccomp.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/result.hpp"

namespace hermetic::unotify {

// One trapped call. The buffer is as large as the running kernel's seccomp_notif (it may have
// grown beyond our headers), as SECCOMP_GET_NOTIF_SIZES reports.
class Notification {
 public:
  Notification();
  [[nodiscard]] seccomp_notif& get() { return *reinterpret_cast<seccomp_notif*>(buffer_.data()); }
  [[nodiscard]] const seccomp_notif& get() const {
    return *reinterpret_cast<const seccomp_notif*>(buffer_.data());
  }

 private:
  alignas(seccomp_notif) std::vector<std::uint8_t> buffer_;
};

// Asks the kernel to switch between a trapped caller and the supervisor on one CPU
// (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6): a round trip then costs a context switch, not
// a cross-CPU wake-up. Best effort: older kernels keep the ordinary wake-ups.
void prefer_sync_wake_up(int listener);

// Blocks until a call is trapped. Returns 0 or an errno (ENOENT: the caller died meanwhile).
[[nodiscard]] int receive(int listener, Notification& notification);

// True while the call with `id` still waits for its answer. Checked after reading the caller's
// memory and taking its fds: only then was the pid the caller's all along.
[[nodiscard]] bool still_valid(int listener, std::uint64_t id);

// Answers the call: it returns `value`, or fails with `error` when error != 0. Never CONTINUE.
// Returns 0 or an errno (ENOENT: the caller is gone).
[[nodiscard]] int respond(int listener, std::uint64_t id, std::int64_t value, int error);

// Answers the call by letting the kernel run it as the caller made it
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Unsafe for a decision (the caller may change its memory
// after it was read: TOCTOU), so only for calls nothing is decided on here: learn mode's
// observation, and --report's look at a call that another mechanism (Landlock) decides.
// Returns 0 or an errno (ENOENT: the caller is gone).
[[nodiscard]] int let_run(int listener, std::uint64_t id);

// Copies exactly `length` bytes from the caller. Returns 0 or an errno; partial reads fail.
[[nodiscard]] int read_memory(pid_t tid, std::uint64_t address, void* out, std::size_t length);
// A NUL-terminated string from the caller, read a page at a time (a string may end just before
// an unmapped page). Returns 0, ENAMETOOLONG when no NUL comes within `max` bytes, EFAULT for a
// NULL address, or the read's errno.
[[nodiscard]] int read_string(pid_t tid, std::uint64_t address, std::size_t max, std::string& out);
// Writes exactly `length` bytes into the caller (sendmmsg's msg_len). Returns 0 or an errno.
[[nodiscard]] int write_memory(pid_t tid, std::uint64_t address, const void* in,
                               std::size_t length);

// The process (thread group) of thread `tid`, from /proc; -1 when it is gone.
[[nodiscard]] pid_t thread_group_of(pid_t tid);

// A pidfd for the thread `tid` (PIDFD_THREAD, Linux 6.9) or for its process.
[[nodiscard]] Result<Fd> open_pidfd(pid_t tid);

// The caller's fd `number`, duplicated into `out` (pidfd_getfd). Returns 0 or an errno (EBADF:
// the caller has no such fd).
[[nodiscard]] int take_fd(int pidfd, int number, Fd& out);

}  // namespace hermetic::unotify
