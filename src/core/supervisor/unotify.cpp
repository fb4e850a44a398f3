#include "supervisor/unotify.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace hermetic::unotify {
namespace {

constexpr unsigned kPidfdThread = O_EXCL;  // PIDFD_THREAD, not in older uapi headers

std::size_t notif_size() {
  static const std::size_t size = [] {
    seccomp_notif_sizes sizes{};
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) return sizeof(seccomp_notif);
    return std::max<std::size_t>(sizes.seccomp_notif, sizeof(seccomp_notif));
  }();
  return size;
}

}  // namespace

Notification::Notification() : buffer_(notif_size()) {}

pid_t thread_group_of(pid_t tid) {
  std::ifstream status("/proc/" + std::to_string(tid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "Tgid:") {
      pid_t tgid = 0;
      if (status >> tgid) return tgid;
      return -1;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

void prefer_sync_wake_up(int listener) {
  // Not in older uapi headers: SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP.
  constexpr unsigned long kSetFlags = SECCOMP_IOW(4, __u64);
  constexpr std::uint64_t kSyncWakeUp = 1U;
  [[maybe_unused]] const int rc = ioctl(listener, kSetFlags, kSyncWakeUp);
}

int receive(int listener, Notification& notification) {
  // The kernel requires a zeroed buffer.
  std::memset(&notification.get(), 0, notif_size());
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &notification.get()) != 0) return errno;
  return 0;
}

bool still_valid(int listener, std::uint64_t id) {
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int respond(int listener, std::uint64_t id, std::int64_t value, int error) {
  seccomp_notif_resp response{};
  response.id = id;
  response.val = error != 0 ? 0 : value;
  response.error = error != 0 ? -error : 0;
  response.flags = 0;  // never SECCOMP_USER_NOTIF_FLAG_CONTINUE: see docs/network.md
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) != 0) return errno;
  return 0;
}

int let_run(int listener, std::uint64_t id) {
  seccomp_notif_resp response{};
  response.id = id;
  response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) != 0) return errno;
  return 0;
}

int read_memory(pid_t tid, std::uint64_t address, void* out, std::size_t length) {
  if (length == 0) return 0;
  iovec local{out, length};
  iovec remote{reinterpret_cast<void*>(address), length};  // NOLINT: an address in the caller
  const ssize_t got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  if (got < 0) return errno;
  return static_cast<std::size_t>(got) == length ? 0 : EFAULT;
}

int read_string(pid_t tid, std::uint64_t address, std::size_t max, std::string& out) {
  constexpr std::uint64_t kPage = 4096;
  if (address == 0) return EFAULT;
  out.clear();
  while (out.size() < max) {
    const std::uint64_t at = address + out.size();
    const std::size_t chunk = std::min<std::size_t>(kPage - (at % kPage), max - out.size());
    std::array<char, kPage> buffer{};
    if (int err = read_memory(tid, at, buffer.data(), chunk)) return err;
    const char* chunk_start = buffer.data();
    const char* chunk_end = chunk_start + chunk;
    const char* nul = std::find(chunk_start, chunk_end, '\0');
    if (nul != chunk_end) {
      out.append(buffer.data(), static_cast<std::size_t>(nul - buffer.data()));
      return 0;
    }
    out.append(buffer.data(), chunk);
  }
  return ENAMETOOLONG;
}

int write_memory(pid_t tid, std::uint64_t address, const void* in, std::size_t length) {
  if (length == 0) return 0;
  iovec local{const_cast<void*>(in), length};              // NOLINT: the kernel only reads it
  iovec remote{reinterpret_cast<void*>(address), length};  // NOLINT: an address in the caller
  const ssize_t put = process_vm_writev(tid, &local, 1, &remote, 1, 0);
  if (put < 0) return errno;
  return static_cast<std::size_t>(put) == length ? 0 : EFAULT;
}

Result<Fd> open_pidfd(pid_t tid) {
  long fd = syscall(SYS_pidfd_open, tid, kPidfdThread);
  if (fd < 0 && errno == EINVAL) {
    const pid_t tgid = thread_group_of(tid);
    if (tgid <= 0) return Error{"pidfd_open: no such thread"};
    fd = syscall(SYS_pidfd_open, tgid, 0);
  }
  if (fd < 0) return Error{std::string("pidfd_open: ") + std::strerror(errno)};
  return Fd(static_cast<int>(fd));
}

int take_fd(int pidfd, int number, Fd& out) {
  const long fd = syscall(SYS_pidfd_getfd, pidfd, number, 0);
  if (fd < 0) return errno;
  out.reset(static_cast<int>(fd));
  return 0;
}

}  // namespace hermetic::unotify
