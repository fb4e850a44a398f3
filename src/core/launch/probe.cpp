// Feature detection without side effects: every probe asks the kernel a question that changes
// nothing (GET_ACTION_AVAIL, the Landlock version query, a pidfd_getfd on an invalid fd).
#include "hermetic/probe.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "hermetic/policy.hpp"
#include "landlock/landlock.hpp"

namespace hermetic {
namespace {

bool seccomp_action_available(std::uint32_t action) {
  return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

// Filters can be installed and can make a call fail with an errno.
bool seccomp_filter_available() {
  return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && seccomp_action_available(SECCOMP_RET_ERRNO);
}

bool pidfd_getfd_available() {
  // An invalid pidfd gives EBADF when the syscall exists, ENOSYS when it does not.
  return syscall(SYS_pidfd_getfd, -1, 0, 0) < 0 && errno == EBADF;
}

bool user_namespaces_available() {
  std::ifstream max_ns("/proc/sys/user/max_user_namespaces");
  long value = 0;
  return (max_ns >> value) && value > 0;
}

bool yama_forbids_attach() {
  std::ifstream scope("/proc/sys/kernel/yama/ptrace_scope");
  int value = 0;
  return (scope >> value) && value >= 2;
}

const char* yes_no(bool value) { return value ? "yes" : "no"; }

}  // namespace

KernelFeatures probe_kernel() {
  KernelFeatures f;
  f.seccomp_filter = seccomp_filter_available();
  f.seccomp_user_notif = seccomp_action_available(SECCOMP_RET_USER_NOTIF);
  f.seccomp_kill_process = seccomp_action_available(SECCOMP_RET_KILL_PROCESS);
  f.landlock_abi = landlock::abi_version();
  f.yama_forbids_attach = yama_forbids_attach();
  f.pidfd_getfd = pidfd_getfd_available();
  f.user_namespaces = user_namespaces_available();
  return f;
}

KernelFeatures probe_kernel_for(const Policy& policy, bool reporting) {
  KernelFeatures f;
  // The condition under which syscall_rules::rules_for and kernel_layer plan anything; any
  // other run that restricts something still gets a Landlock domain (kernel_layer.cpp).
  if (!policy.has_kernel_part()) {
    if (!policy.empty()) f.landlock_abi = landlock::abi_version();
    return f;
  }
  f.seccomp_filter = seccomp_filter_available();
  // The filter kills the whole process on a foreign ABI (seccomp_filter::compile).
  f.seccomp_kill_process = f.seccomp_filter && seccomp_action_available(SECCOMP_RET_KILL_PROCESS);
  f.landlock_abi = landlock::abi_version();
  if (f.landlock_abi == 0) f.yama_forbids_attach = yama_forbids_attach();
  // Below Landlock ABI 6 --no-network's abstract-unix scope is the supervisor's too.
  if (policy.has_supervisor() || (policy.block_network && f.landlock_abi < 6) || reporting) {
    f.seccomp_user_notif = f.seccomp_filter && seccomp_action_available(SECCOMP_RET_USER_NOTIF);
    f.pidfd_getfd = pidfd_getfd_available();
  }
  return f;
}

std::string KernelFeatures::report() const {
  std::ostringstream out;
  out << "seccomp filter:            " << yes_no(seccomp_filter) << "\n"
      << "seccomp kill-process:      " << yes_no(seccomp_kill_process) << "\n"
      << "seccomp user notification: " << yes_no(seccomp_user_notif) << "\n"
      << "landlock:                  "
      << (landlock_abi > 0 ? "ABI " + std::to_string(landlock_abi) : std::string("no")) << "\n"
      << "yama: no ptrace attach:    " << yes_no(yama_forbids_attach) << "\n"
      << "pidfd_getfd:               " << yes_no(pidfd_getfd) << "\n"
      << "user namespaces:           " << yes_no(user_namespaces) << "\n";
  return out.str();
}

}  // namespace hermetic
