#include "syscall_rules.hpp"

#include <sched.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace hermetic::syscall_rules {
namespace {

using enum Capability;
using enum ArgTest;

constexpr std::array kRules{
    // --no-network: no socket of any family but AF_UNIX (local IPC keeps working, so asyncio's
    // socketpair and logging to /dev/log are fine). EACCES is what hermetic-seal users see from
    // a firewall-like refusal.
    Rule{network, "socket", EACCES, arg0_not_equal, AF_UNIX, "sockets other than AF_UNIX"},
    // io_uring can connect without the socket()/connect() syscalls (IORING_OP_SOCKET/CONNECT).
    // ENOSYS makes liburing users fall back to plain syscalls, which the rule above covers.
    Rule{network, "io_uring_setup", ENOSYS, always, 0, "io_uring (IORING_OP_CONNECT/SOCKET)"},

    // --no-subprocess: no new processes. Threads stay: clone with CLONE_THREAD passes.
    Rule{subprocess, "fork", EPERM, always, 0, "fork"},
    Rule{subprocess, "vfork", EPERM, always, 0, "vfork"},
    Rule{subprocess, "clone", EPERM, arg0_bits_clear, CLONE_THREAD, "clone without CLONE_THREAD"},
    // clone3 passes its flags in memory, which seccomp cannot read. ENOSYS (never EPERM) makes
    // glibc fall back to clone(), where the rule above can see the flags: threads keep working.
    Rule{subprocess, "clone3", ENOSYS, always, 0, "clone3 (glibc falls back to clone)"},
    // No exec after the target's own. Landlock EXECUTE must allow the target's ELF loader, and
    // the loader run as a program maps any other binary itself; so hermetic execs the target
    // with execveat carrying a one-time token (kernel_layer) and every other exec is denied.
    // EACCES, as Landlock's own refusal.
    Rule{subprocess, "execve", EACCES, always, 0, "exec after the target's own"},
    Rule{subprocess, "execveat", EACCES, not_exec_token, 0, "exec after the target's own"},
};

}  // namespace

std::span<const Rule> all_rules() { return kRules; }

std::vector<Rule> rules_for(const Policy& policy) {
  std::vector<Rule> out;
  for (const Rule& rule : kRules) {
    const bool wanted = (rule.capability == network && policy.block_network) ||
                        (rule.capability == subprocess && policy.block_subprocess);
    if (wanted) out.push_back(rule);
  }
  return out;
}

std::string_view capability_name(Capability capability) {
  switch (capability) {
    case network:
      return "network";
    case subprocess:
      return "subprocess";
  }
  return "?";
}

}  // namespace hermetic::syscall_rules
