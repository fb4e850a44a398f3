// Getting the seccomp listener fd from the child that created it to learn mode's observer (an
// enforced run's child shares hermetic's descriptor table instead: launch.cpp). sendmsg
// (SCM_RIGHTS) is trapped by the very filter the fd belongs to, so the child writes only the fd
// number into a pipe, and the parent copies the fd itself with pidfd_getfd. The child keeps the
// fd open until the parent says "go", then closes it before exec: the target must never hold
// its own listener (it could answer its own calls).
#pragma once

#include <sys/types.h>

#include "base/fd.hpp"
#include "hermetic/result.hpp"

namespace hermetic::listener_handoff {

class Channel {
 public:
  // Creates the two O_CLOEXEC pipes. (A Status, not a Result<Channel>: GCC 12 at -O3 reports a
  // false -Wfree-nonheap-object in the variant of a Result holding four Fds.)
  [[nodiscard]] Status open();

  // Child, right after fork (a fork of a process that outlives the child, rather than a child
  // that execs): closes the parent's ends, so that a parent that dies ends the child's wait.
  void child_side() noexcept;
  // Child, failing before it has a listener: closes its end, so that parent_take returns.
  void child_give_up() noexcept;

  // Child, after installing the filter: sends the number, waits for "go", closes `listener`.
  // Returns 0 or an errno (EPIPE: the parent gave up). Async-signal-safe.
  [[nodiscard]] int child_hand_over(int listener) const noexcept;

  // Parent, after fork: closes the child's ends.
  void parent_side();
  // Parent: the listener, copied from `child`. An empty Fd when the child failed before it had
  // one (it then reports why through the launch's report pipe).
  [[nodiscard]] Result<Fd> parent_take(pid_t child);
  // Parent: lets the child go on to exec.
  [[nodiscard]] Status parent_go();

 private:
  Fd number_read_, number_write_;  // child -> parent: the listener's fd number
  Fd go_read_, go_write_;          // parent -> child: one byte once the supervisor runs
};

}  // namespace hermetic::listener_handoff
