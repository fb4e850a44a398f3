// What this kernel can enforce. Read once per run; every rule that needs a feature checks here
// and fails closed with the feature's name when it is missing.
#pragma once

#include <string>

namespace hermetic {

struct KernelFeatures {
  bool seccomp_filter = false;      // seccomp(SECCOMP_SET_MODE_FILTER)
  bool seccomp_user_notif = false;  // SECCOMP_RET_USER_NOTIF
  bool seccomp_kill_process = false;
  int landlock_abi = 0;  // 0: no Landlock
  // Yama's ptrace_scope is 2 or 3: no process may attach to (or write the memory of) another,
  // descendants included. Read only where it stands in for Landlock (landlock_abi 0).
  bool yama_forbids_attach = false;
  bool pidfd_getfd = false;
  bool user_namespaces = false;

  // Multi-line human report for `hermetic --check`.
  [[nodiscard]] std::string report() const;
};

// Every feature (`hermetic --check`, --explain).
[[nodiscard]] KernelFeatures probe_kernel();

struct Policy;
// Only what the kernel layer of `policy` can use; the other members stay false. A launch calls
// this once, so that a plain run does not pay for questions its rules never ask. `reporting`: the
// run writes a --report, whose supervisor also hears of what BPF rows and Landlock refuse.
[[nodiscard]] KernelFeatures probe_kernel_for(const Policy& policy, bool reporting = false);

}  // namespace hermetic
