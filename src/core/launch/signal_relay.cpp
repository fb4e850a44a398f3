#include "launch/signal_relay.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace hermetic::signal_relay {
namespace {

// Not the stop signals: on Ctrl-Z hermetic must stop with its target so the shell sees the
// job stopped; their default action does that.
constexpr std::array kRelayed{SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,  SIGUSR1,
                              SIGUSR2, SIGALRM, SIGPIPE, SIGWINCH, SIGCONT};

volatile sig_atomic_t g_child = 0;  // a signal handler can only reach globals
sigset_t g_mask_before_relay;       // written before any handler is installed
bool g_sigchld_ignored = false;     // by the caller; written before any child is made

sigset_t relayed_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kRelayed) sigaddset(&set, sig);
  sigaddset(&set, end_run_signal());
  return set;
}

void forward(int sig, siginfo_t* info, void* /*context*/) {
  // si_code <= 0: sent by a process (kill, sigqueue, tgkill). Terminal-generated signals have
  // si_code SI_KERNEL and were delivered to the target's process group already.
  if (info->si_code <= 0 && g_child > 0) {
    const int saved = errno;
    ::kill(g_child, sig);
    errno = saved;
  }
}

// end_run_signal(): SIGKILL to the target, whose exit then ends the run as any exit does (what
// it left running is killed by end_leftovers). Only when a process sent it, as for `forward`.
void end_run(int /*sig*/, siginfo_t* info, void* /*context*/) {
  if (info->si_code <= 0 && g_child > 0) {
    const int saved = errno;
    ::kill(g_child, SIGKILL);
    errno = saved;
  }
}

}  // namespace

int end_run_signal() noexcept { return SIGRTMAX - 1; }

Relay::Relay() {
  const sigset_t set = relayed_set();
  sigprocmask(SIG_BLOCK, &set, &previous_mask_);
  g_mask_before_relay = previous_mask_;
}

Relay::~Relay() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : kRelayed) sigaction(sig, &dfl, nullptr);
  sigaction(end_run_signal(), &dfl, nullptr);
  g_child = 0;
  sigprocmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void Relay::start(pid_t child) {
  g_child = child;
  struct sigaction action {};
  action.sa_sigaction = forward;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int sig : kRelayed) sigaction(sig, &action, nullptr);
  action.sa_sigaction = end_run;
  sigaction(end_run_signal(), &action, nullptr);
  const sigset_t set = relayed_set();
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

int Relay::wait_for_child() {
  int status = 0;
  while (waitpid(g_child, &status, 0) < 0) {
    // The status is lost (OwnChildren prevents the known cause): report hermetic's own error,
    // never a success the target did not have.
    if (errno != EINTR) return 1 << 8;  // "exited with status 1"
  }
  g_child = 0;  // reaped: its pid may be reused, and no handler may signal it any more
  return status;
}

OwnChildren::OwnChildren() {
  struct sigaction current {};
  if (sigaction(SIGCHLD, nullptr, &current) != 0 || current.sa_handler != SIG_IGN) return;
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  g_sigchld_ignored = sigaction(SIGCHLD, &dfl, nullptr) == 0;
}

OwnChildren::~OwnChildren() {
  restore_ignored_sigchld();
  g_sigchld_ignored = false;
}

void restore_ignored_sigchld() noexcept {
  if (!g_sigchld_ignored) return;
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ignore, nullptr);
}

void restore_defaults_in_child() noexcept {
  // Handlers are still the defaults (the relay installs them after fork); only the mask changed,
  // and SIGCHLD if the caller ignored it.
  restore_ignored_sigchld();
  sigprocmask(SIG_SETMASK, &g_mask_before_relay, nullptr);
}

BlockAll::BlockAll() {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &previous_mask_);
}

BlockAll::~BlockAll() { sigprocmask(SIG_SETMASK, &previous_mask_, nullptr); }

void restore_defaults_in_shared_child() noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    // Fails only for the numbers libc keeps for itself.
    if (sigaction(sig, nullptr, &current) != 0) continue;
    if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) continue;
    sigaction(sig, &dfl, nullptr);
  }
  restore_ignored_sigchld();
  sigprocmask(SIG_SETMASK, &g_mask_before_relay, nullptr);
}

void die_by(int sig) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  sigprocmask(SIG_UNBLOCK, &only, nullptr);
  (void)::raise(sig);
}

}  // namespace hermetic::signal_relay
