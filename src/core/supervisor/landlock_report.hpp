// --report's lines for what Landlock refuses. Landlock tells userspace nothing of a refusal (its
// audit records need root's audit netlink), so under --report the calls it decides notify
// (syscall_rules::Action::landlock_reported); each is decoded (call_uses), judged against the
// run's own Landlock layers (fs_judge: the rule list the launch built them from), and when
// Landlock will refuse it, written as a refusal of layer "landlock". The call then runs as made
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE) and Landlock decides it.
//
// Reporting only: the caller may change the path between the read here and the kernel's (TOCTOU),
// which can only make a line wrong, never let anything through; Landlock enforces on what the
// kernel itself resolves.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "landlock/fs_judge.hpp"
#include "supervisor/call_uses.hpp"

namespace hermetic::supervisor::landlock_report {

// A refusal Landlock will make, in the report's words (docs/report.md).
struct Refusal {
  std::string_view capability;  // fs_write, fs_read (outside the read root), subprocess
  std::string_view operation;   // open, create, mkdir, remove, rename, link, list, exec
  std::string path;
  std::string path2;
  std::string_view flag;  // --fs-readonly, --fs-readonly=ROOT, --no-subprocess
};

// What Landlock will refuse of `use`, made by thread `tid`: nothing when it lets the call through,
// or when the call fails before Landlock is asked (a name that is missing or already there, a
// file the caller may not write anyway, a read-only mount).
[[nodiscard]] std::optional<Refusal> judge(const fs_judge::Judge& judge, const call_uses::Use& use,
                                           pid_t tid);

}  // namespace hermetic::supervisor::landlock_report
