#include "supervisor/listener_handoff.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "supervisor/unotify.hpp"

namespace hermetic::listener_handoff {

Status Channel::open() {
  Channel& channel = *this;
  std::array<int, 2> number{};
  std::array<int, 2> go{};
  if (pipe2(number.data(), O_CLOEXEC) != 0)
    return Error{std::string("pipe2: ") + std::strerror(errno)};
  channel.number_read_.reset(number[0]);
  channel.number_write_.reset(number[1]);
  if (pipe2(go.data(), O_CLOEXEC) != 0) return Error{std::string("pipe2: ") + std::strerror(errno)};
  channel.go_read_.reset(go[0]);
  channel.go_write_.reset(go[1]);
  return Ok{};
}

int Channel::child_hand_over(int listener) const noexcept {
  ssize_t put = 0;
  do {
    put = ::write(number_write_.get(), &listener, sizeof listener);
  } while (put < 0 && errno == EINTR);
  if (put != static_cast<ssize_t>(sizeof listener)) return put < 0 ? errno : EPIPE;
  char go = 0;
  ssize_t got = 0;
  do {
    got = ::read(go_read_.get(), &go, 1);
  } while (got < 0 && errno == EINTR);
  ::close(listener);
  if (got != 1) return got < 0 ? errno : EPIPE;
  return 0;
}

void Channel::child_side() noexcept {
  number_read_.reset();
  go_write_.reset();
}

void Channel::child_give_up() noexcept {
  number_write_.reset();
  go_read_.reset();
}

void Channel::parent_side() {
  number_write_.reset();
  go_read_.reset();
}

Result<Fd> Channel::parent_take(pid_t child) {
  int number = -1;
  ssize_t got = 0;
  do {
    got = ::read(number_read_.get(), &number, sizeof number);
  } while (got < 0 && errno == EINTR);
  if (got == 0) return Fd();  // the child died first; its report says why
  if (got != static_cast<ssize_t>(sizeof number)) return Error{"supervisor: short handoff read"};
  auto pidfd = unotify::open_pidfd(child);
  if (!pidfd) return Error{"supervisor: " + pidfd.error().message};
  Fd listener;
  if (int err = unotify::take_fd(pidfd.value().get(), number, listener); err != 0) {
    return Error{std::string("supervisor: pidfd_getfd of the seccomp listener: ") +
                 std::strerror(err)};
  }
  return listener;
}

Status Channel::parent_go() {
  const char go = 1;
  if (::write(go_write_.get(), &go, 1) != 1) {
    return Error{std::string("supervisor: cannot release the target: ") + std::strerror(errno)};
  }
  go_write_.reset();
  return Ok{};
}

}  // namespace hermetic::listener_handoff
