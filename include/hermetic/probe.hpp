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
  bool pidfd_getfd = false;
  bool user_namespaces = false;

  // Multi-line human report for `hermetic --check`.
  [[nodiscard]] std::string report() const;
};

[[nodiscard]] KernelFeatures probe_kernel();

}  // namespace hermetic
