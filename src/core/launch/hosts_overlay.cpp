#include "launch/hosts_overlay.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "base/fd.hpp"

namespace hermetic::hosts_overlay {
namespace {

int write_file(const char* path, const std::string& text) noexcept {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t put = ::write(fd, text.data(), text.size());
  const int err = put == static_cast<ssize_t>(text.size()) ? 0 : (put < 0 ? errno : EIO);
  ::close(fd);
  return err;
}

}  // namespace

std::string directory_template() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hermetic-hosts-XXXXXX";
}

Result<Overlay> Overlay::prepare(const std::string& content) {
  const std::string pattern = directory_template();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    return Error{"--resolve/--allow-domain: cannot create a directory for the hosts file: " +
                 std::string(std::strerror(errno))};
  }
  Overlay overlay;
  overlay.dir_ = buffer.data();
  overlay.file_ = overlay.dir_ + "/hosts";
  const Fd fd(::open(overlay.file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!fd ||
      ::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    return Error{"--resolve/--allow-domain: cannot write the hosts file " + overlay.file_};
  }
  // The directory was only private while writing; the bind mount needs the file reachable.
  ::chmod(overlay.dir_.c_str(), 0755);
  overlay.uid_map_ = std::to_string(getuid()) + " " + std::to_string(getuid()) + " 1\n";
  overlay.gid_map_ = std::to_string(getgid()) + " " + std::to_string(getgid()) + " 1\n";
  return overlay;
}

Overlay::Overlay(Overlay&& other) noexcept
    : dir_(std::exchange(other.dir_, {})),
      file_(std::exchange(other.file_, {})),
      uid_map_(std::move(other.uid_map_)),
      gid_map_(std::move(other.gid_map_)) {}

Overlay::~Overlay() {
  if (!file_.empty()) ::unlink(file_.c_str());
  if (!dir_.empty()) ::rmdir(dir_.c_str());
}

int Overlay::apply(const char** failed_step) const noexcept {
  if (::unshare(CLONE_NEWNS) != 0) {
    if (errno != EPERM) {
      *failed_step = "unshare(CLONE_NEWNS) for the hosts file";
      return errno;
    }
    // Unprivileged: a user namespace of our own grants the mount namespace. Our ids map to
    // themselves, so files, permissions and getuid() look the same to the target.
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      *failed_step = "unshare(CLONE_NEWUSER|CLONE_NEWNS) for the hosts file";
      return errno;
    }
    if (int err = write_file("/proc/self/setgroups", "deny"); err != 0) {
      *failed_step = "writing /proc/self/setgroups";
      return err;
    }
    if (int err = write_file("/proc/self/uid_map", uid_map_); err != 0) {
      *failed_step = "writing /proc/self/uid_map";
      return err;
    }
    if (int err = write_file("/proc/self/gid_map", gid_map_); err != 0) {
      *failed_step = "writing /proc/self/gid_map";
      return err;
    }
  }
  // Private propagation: the bind mount stays in this namespace and never reaches the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *failed_step = "making the mount namespace private";
    return errno;
  }
  if (::mount(file_.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) {
    *failed_step = "bind-mounting the hosts file over /etc/hosts";
    return errno;
  }
  return 0;
}

}  // namespace hermetic::hosts_overlay
