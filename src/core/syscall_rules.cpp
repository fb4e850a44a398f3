#include "syscall_rules.hpp"

#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace hermetic::syscall_rules {
namespace {

using enum Capability;
using enum ArgTest;

// socket() families kept with address exceptions: the supervisor sees every address they use.
constexpr std::uint64_t kSupervisedFamilies =
    (1ULL << AF_UNIX) | (1ULL << AF_INET) | (1ULL << AF_INET6);
// Socket types whose destination is the address of connect/send: not SOCK_RAW (with
// IP_HDRINCL the packet carries a destination of its own) nor SOCK_PACKET.
constexpr std::uint64_t kSupervisedTypes =
    (1ULL << SOCK_STREAM) | (1ULL << SOCK_DGRAM) | (1ULL << SOCK_SEQPACKET);
// Protocols whose destination is the address of connect/send. Not SCTP (sctp_connectx passes
// addresses through setsockopt, and its sendmsg can name one in a control message) nor MPTCP
// (the peer can announce further addresses the kernel then connects to).
constexpr std::uint64_t kSupervisedProtocols = (1ULL << 0) | (1ULL << IPPROTO_ICMP) |
                                               (1ULL << IPPROTO_TCP) | (1ULL << IPPROTO_UDP) |
                                               (1ULL << IPPROTO_ICMPV6);

constexpr std::uint64_t level_option(std::uint64_t level, std::uint64_t option) {
  return (level << 32U) | option;
}
// IPV6_2292RTHDR and IPV6_2292PKTOPTIONS from <linux/in6.h> (glibc's netinet/in.h lacks them).
constexpr std::uint64_t kIpv6_2292PktOptions = 6;
constexpr std::uint64_t kIpv6_2292Rthdr = 5;

constexpr std::array kRules{
    // --no-network: no socket of any family but AF_UNIX (local IPC keeps working, so asyncio's
    // socketpair and logging to /dev/log are fine). EACCES is what hermetic-seal users see from
    // a firewall-like refusal.
    Rule{network, "socket", EACCES, arg0_not_equal, AF_UNIX, "sockets other than AF_UNIX",
         When::without_addresses},
    // --allow-localhost / --allow-domain: IP sockets are created, and every call that names an
    // address goes to the supervisor, which copies the address once, decides, and performs the
    // call itself. EACCES for every network refusal: one errno per capability for --trace.
    Rule{network, "socket", EACCES, arg0_not_in, kSupervisedFamilies,
         "sockets other than AF_UNIX, AF_INET, AF_INET6", When::with_addresses},
    Rule{network, "socket", EACCES, arg1_type_not_in, kSupervisedTypes, "raw or packet socket",
         When::with_addresses},
    Rule{network, "socket", EACCES, arg2_not_in, kSupervisedProtocols,
         "protocol other than TCP, UDP, ICMP", When::with_addresses},
    // Source routing sends the packet to the first hop of a list the caller chooses, whatever
    // address connect() was allowed: no IPv4 options, no IPv6 routing headers.
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IP, IP_OPTIONS),
         "IPv4 source routing option", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IPV6, IPV6_RTHDR),
         "IPv6 routing header", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IPV6, kIpv6_2292Rthdr), "IPv6 routing header, RFC 2292",
         When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IPV6, kIpv6_2292PktOptions), "IPv6 sticky options, RFC 2292",
         When::with_addresses},
    Rule{network, "connect", EACCES, always, 0, "connect to an address not allowed",
         When::with_addresses, Action::supervise},
    Rule{network, "bind", EACCES, always, 0, "bind to an address other than loopback",
         When::with_addresses, Action::supervise},
    // sendto without an address goes to the connected peer, which connect() already checked.
    Rule{network, "sendto", EACCES, arg4_not_zero, 0, "send to an address not allowed",
         When::with_addresses, Action::supervise},
    // msghdr lives in memory BPF cannot read: every sendmsg/sendmmsg (TCP Fast Open included).
    Rule{network, "sendmsg", EACCES, always, 0, "sendmsg to an address not allowed",
         When::with_addresses, Action::supervise},
    Rule{network, "sendmmsg", EACCES, always, 0, "sendmmsg to an address not allowed",
         When::with_addresses, Action::supervise},
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
  const bool addresses = policy.allow_localhost || !policy.allow_domains.empty();
  std::vector<Rule> out;
  for (const Rule& rule : kRules) {
    const bool wanted = (rule.capability == network && policy.block_network) ||
                        (rule.capability == subprocess && policy.block_subprocess);
    const bool now =
        rule.when == When::always || (rule.when == When::with_addresses ? addresses : !addresses);
    if (!wanted || !now) continue;
    out.push_back(rule);
    // --trace logs kernel-level network blocks of any program: the supervisor has to hear of
    // them, so the BPF refusal becomes a notification the supervisor refuses and logs.
    if (policy.trace && rule.capability == network && rule.action == Action::deny) {
      out.back().action = Action::trace;
    }
  }
  return out;
}

bool needs_supervisor(const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (rule.action != Action::deny) return true;
  }
  return false;
}

bool matches(const Rule& rule, const std::array<std::uint64_t, 6>& args) {
  switch (rule.test) {
    case always:
      return true;
    case arg0_not_equal:
      return args[0] != rule.value;
    case arg0_bits_clear:
      return (args[0] & rule.value) == 0;
    case arg0_not_in:
      return args[0] > 63 || (rule.value & (1ULL << args[0])) == 0;
    case arg4_not_zero:
      return args[4] != 0;
    case arg1_type_not_in:
      return (rule.value & (1ULL << (args[1] & 0xfU))) == 0;
    case arg2_not_in:
      return args[2] > 63 || (rule.value & (1ULL << args[2])) == 0;
    case arg1_arg2_equal:
      return (args[1] & 0xffffffffU) == (rule.value >> 32U) &&
             (args[2] & 0xffffffffU) == (rule.value & 0xffffffffU);
    case not_exec_token:
      return true;  // the token is not in the table; the supervisor never sees these rules
  }
  return true;  // an unknown test matches: the caller refuses the call
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
