// While hermetic waits for its target, signals sent to hermetic by another process (kill,
// timeout, a supervisor) go on to the target. Signals from the terminal (Ctrl-C, Ctrl-\) already
// reach the target through the foreground process group and are not sent twice.
#pragma once

#include <sys/types.h>

#include <csignal>

namespace hermetic::signal_relay {

// The signal that asks a waiting parent (the executable's, or spawn()'s monitor) to end the run
// now: the target gets SIGKILL, and then, as after any exit of the target, what it left running
// is killed and the parent exits by the target's signal. SIGKILL itself cannot do that: the
// waiting parent would die at once and the target's background processes would be orphaned
// instead. A real-time signal (SIGRTMAX - 1) no program sends to hermetic by accident.
[[nodiscard]] int end_run_signal() noexcept;

class Relay {
 public:
  Relay();   // blocks the relayed signals and end_run_signal()
  ~Relay();  // restores the previous handlers and mask
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  Relay(Relay&&) = delete;
  Relay& operator=(Relay&&) = delete;

  void start(pid_t child);             // installs the forwarding handlers and unblocks
  [[nodiscard]] int wait_for_child();  // waitpid status

 private:
  sigset_t previous_mask_{};
};

// A caller that ignores SIGCHLD (SIG_IGN, inherited through exec) makes the kernel reap
// hermetic's children itself: waitpid then fails with ECHILD and the target's status is lost.
// For its lifetime SIGCHLD takes its default action in hermetic; a child gets the ignored
// disposition back before exec (restore_defaults_in_child and restore_defaults_in_shared_child
// do it, exec in place calls restore_ignored_sigchld), so the target sees what its caller set.
class OwnChildren {
 public:
  OwnChildren();
  ~OwnChildren();
  OwnChildren(const OwnChildren&) = delete;
  OwnChildren& operator=(const OwnChildren&) = delete;
  OwnChildren(OwnChildren&&) = delete;
  OwnChildren& operator=(OwnChildren&&) = delete;
};

// Before an exec: SIGCHLD ignored again if the caller had it so. Async-signal-safe.
void restore_ignored_sigchld() noexcept;

// In the forked child, before exec: default handlers and the parent's original mask.
void restore_defaults_in_child() noexcept;

// Blocks every signal for its lifetime: around a clone whose child shares this process's memory
// (see restore_defaults_in_shared_child).
class BlockAll {
 public:
  BlockAll();
  ~BlockAll();
  BlockAll(const BlockAll&) = delete;
  BlockAll& operator=(const BlockAll&) = delete;
  BlockAll(BlockAll&&) = delete;
  BlockAll& operator=(BlockAll&&) = delete;

 private:
  sigset_t previous_mask_{};
};

// In a child that shares the parent's memory until exec (cloned under BlockAll), just before
// exec: every caught signal back to its default action (ignored ones stay ignored, as exec
// keeps them), so that no handler can run in the shared memory, then the parent's original
// mask. Async-signal-safe.
void restore_defaults_in_shared_child() noexcept;

// Terminates the calling process with `sig` as its cause of death.
void die_by(int sig);

}  // namespace hermetic::signal_relay
