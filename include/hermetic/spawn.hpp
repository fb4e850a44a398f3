// Running a program under a Policy from a C++ program: spawn() starts it in a child and hands
// back a Child to wait for; the calling process's own state is never changed.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic {

// How a run ended: the target's exit code, or the signal that killed it.
struct ExitStatus {
  int exit_code = 0;  // meaningful when signal == 0
  int signal = 0;     // the signal that ended the target, or 0

  [[nodiscard]] bool exited() const { return signal == 0; }
  [[nodiscard]] bool success() const { return signal == 0 && exit_code == 0; }
  // As a shell reports it: the exit code, or 128 + the signal.
  [[nodiscard]] int shell_code() const { return signal == 0 ? exit_code : 128 + signal; }
  // From a waitpid() status.
  [[nodiscard]] static ExitStatus from_wait_status(int status);

  bool operator==(const ExitStatus&) const = default;
};

namespace detail {
struct ChildMaker;  // spawn()'s access to Child's constructor
}  // namespace detail

// A run started by spawn(). Movable, not copyable.
//
// The process behind it is hermetic's monitor, a fork of the caller, which serves the run as
// the `hermetic` executable's waiting parent does: it forks the target (which dies with the
// monitor, PR_SET_PDEATHSIG), runs the seccomp supervisor when a rule needs one, is the run's
// subreaper, relays signals sent to it to the target, and once the target has exited kills what
// the target left running, removes the private TMPDIR and the hosts file, and exits as the
// target did: the same exit code, or death by the same signal. So waitpid() on pid() tells the
// target's status too.
//
// Destroying a Child that was not waited for kills the run (kill(SIGKILL)) and reaps the
// monitor: a Child never leaves a zombie, its target or what the target left running in the
// background behind. Call detach() first to leave the run going (the caller then reaps pid()
// itself).
class Child {
 public:
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  // The monitor's pid (a child of the caller); -1 once waited for or detached.
  [[nodiscard]] pid_t pid() const { return pid_; }
  // A pidfd for pid() (O_CLOEXEC; poll it for POLLIN to learn that the run ended), or -1 when
  // the kernel has none (before Linux 5.3). Owned by the Child.
  [[nodiscard]] int pidfd() const { return pidfd_; }

  // Blocks until the run has ended and returns how the target ended. An Error only if the
  // status is lost (this process ignores SIGCHLD, so the kernel reaped the monitor, or a
  // waitpid(-1) elsewhere in it did) or the Child was already waited for.
  [[nodiscard]] Result<ExitStatus> wait();
  // wait() without blocking: nullopt while the run goes on.
  [[nodiscard]] Result<std::optional<ExitStatus>> try_wait();

  // Sends `sig` to the monitor. SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
  // SIGPIPE, SIGWINCH and SIGCONT are relayed to the target. SIGKILL kills the target, and the
  // monitor then kills what the target left running in the background and exits by SIGKILL (it
  // is sent as the monitor's end-the-run signal, SIGRTMAX - 1). A run that has ended but was
  // not waited for still takes it (a zombie), harmlessly; an Error once waited for or detached.
  [[nodiscard]] Status kill(int sig);

  // Gives up the handle: the run goes on, and reaping pid() is the caller's job. Returns pid().
  pid_t detach();

 private:
  friend struct detail::ChildMaker;
  Child(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  void close_pidfd();

  pid_t pid_ = -1;
  int pidfd_ = -1;
};

// Runs argv[0] (looked up on PATH, as the hermetic executable does) under `policy` in a new
// process tree, and returns once the target has been exec'd, or with an Error saying why it
// could not be (exit_code 127: not found, 126: not executable, 1: the sandbox could not be
// applied, the kernel lacks a feature the policy needs, a path does not exist...).
//
// The calling process is left as it was: spawn() always forks (a monitor process, see Child)
// and changes nothing in the caller, neither its signal handlers and mask, nor its environment,
// dumpable flag, resource limits, subreaper flag, seccomp filters or Landlock domain. It only
// allocates, opens and closes its own files, creates the run's private TMPDIR (--fs-readonly)
// and hosts file (--resolve, --allow-domain), which the monitor removes, and, for a target
// named as a Python module (hermetic-seal's `module` and `module:function` forms), runs that
// Python once to find the module.
//
// The target inherits, as from posix_spawn: the caller's descriptors that are not O_CLOEXEC,
// the calling thread's signal mask, ignored signal dispositions (other handlers reset to the
// default), the working directory, limits and credentials. Its environment is the caller's,
// scrubbed under block_environment, plus hermetic's own variables: TMPDIR under fs_readonly,
// and the in-process layer's for a Python target when the hermetic Python package is found
// (HERMETIC_PACKAGE_DIR names its directory; a policy with Python-only flags such as
// block_code_exec needs it). The monitor is a fork of the
// caller: it closes the caller's O_CLOEXEC descriptors first thing, and calls only what glibc
// keeps usable after fork in a multi-threaded process (malloc, stdio, new threads).
[[nodiscard]] Result<Child> spawn(const Policy& policy, const std::vector<std::string>& argv);

// The same with the target's environment starting from `environment` (NAME=VALUE strings)
// instead of the caller's; argv[0] is looked up on its PATH (/usr/local/bin:/usr/bin:/bin
// without one).
[[nodiscard]] Result<Child> spawn(const Policy& policy, const std::vector<std::string>& argv,
                                  const std::vector<std::string>& environment);

// spawn(), then wait(): how the target ended, or an Error when it never ran.
[[nodiscard]] Result<ExitStatus> run(const Policy& policy, const std::vector<std::string>& argv);

}  // namespace hermetic
