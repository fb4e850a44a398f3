// Policy -> syscall rule translation, without the kernel.
#include "syscall_rules.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "seccomp_filter.hpp"

namespace hermetic::syscall_rules {
namespace {

const Rule* find(const std::vector<Rule>& rules, std::string_view name) {
  auto it =
      std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.syscall == name; });
  return it == rules.end() ? nullptr : &*it;
}

TEST(SyscallRules, EmptyPolicyDeniesNothing) { EXPECT_TRUE(rules_for(Policy{}).empty()); }

TEST(SyscallRules, NetworkDeniesNonUnixSocketsWithEacces) {
  Policy p;
  p.block_network = true;
  const auto rules = rules_for(p);
  const Rule* socket_rule = find(rules, "socket");
  ASSERT_NE(socket_rule, nullptr);
  EXPECT_EQ(socket_rule->error, EACCES);
  EXPECT_EQ(socket_rule->test, ArgTest::arg0_not_equal);
  EXPECT_EQ(socket_rule->value, static_cast<std::uint64_t>(AF_UNIX));
  ASSERT_NE(find(rules, "io_uring_setup"), nullptr);
  EXPECT_EQ(find(rules, "fork"), nullptr);
}

TEST(SyscallRules, SubprocessKeepsThreadsAndUsesEnosysForClone3) {
  Policy p;
  p.block_subprocess = true;
  const auto rules = rules_for(p);
  const Rule* clone_rule = find(rules, "clone");
  ASSERT_NE(clone_rule, nullptr);
  EXPECT_EQ(clone_rule->test, ArgTest::arg0_bits_clear);
  EXPECT_EQ(clone_rule->value, static_cast<std::uint64_t>(CLONE_THREAD));
  ASSERT_NE(find(rules, "clone3"), nullptr);
  EXPECT_EQ(find(rules, "clone3")->error, ENOSYS);  // never EPERM: glibc must fall back
  EXPECT_EQ(find(rules, "fork")->error, EPERM);
  EXPECT_EQ(find(rules, "vfork")->error, EPERM);
  EXPECT_EQ(find(rules, "socket"), nullptr);
}

TEST(SyscallRules, EveryNameIsANativeSyscall) {
  for (const Rule& rule : all_rules()) {
    EXPECT_NE(seccomp_syscall_resolve_name(std::string(rule.syscall).c_str()), __NR_SCMP_ERROR)
        << rule.syscall;
  }
}

TEST(SeccompFilter, CompilesEveryRuleOfTheTable) {
  Policy p;
  p.block_network = true;
  p.block_subprocess = true;
  auto program = seccomp_filter::compile(rules_for(p));
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_GT(program.value().size(), 10U);
}

}  // namespace
}  // namespace hermetic::syscall_rules

namespace hermetic::syscall_rules {
namespace {

TEST(SupervisedRules, AllowLocalhostSupervisesAddressCallsAndKeepsIpSockets) {
  Policy p;
  p.block_network = true;
  p.allow_localhost = true;
  const auto rules = rules_for(p);
  EXPECT_TRUE(needs_supervisor(rules));
  for (const char* name : {"connect", "bind", "sendto", "sendmsg", "sendmmsg"}) {
    const Rule* rule = find(rules, name);
    ASSERT_NE(rule, nullptr) << name;
    EXPECT_EQ(rule->action, Action::supervise) << name;
  }
  EXPECT_EQ(find(rules, "sendto")->test, ArgTest::arg4_not_zero);  // NULL address: BPF allows
  const Rule* socket_rule = find(rules, "socket");
  ASSERT_NE(socket_rule, nullptr);
  EXPECT_EQ(socket_rule->test, ArgTest::arg0_not_in);
  EXPECT_EQ(socket_rule->action, Action::deny);
  std::array<std::uint64_t, 6> args{};
  for (const std::uint64_t family : std::array<std::uint64_t, 3>{AF_UNIX, AF_INET, AF_INET6}) {
    args[0] = family;
    EXPECT_FALSE(matches(*socket_rule, args)) << family;
  }
  for (const std::uint64_t family :
       std::array<std::uint64_t, 4>{AF_NETLINK, AF_PACKET, 64, 0x100000002}) {
    args[0] = family;
    EXPECT_TRUE(matches(*socket_rule, args)) << family;
  }
  auto program = seccomp_filter::compile(rules);
  ASSERT_TRUE(program.ok()) << program.error().message;
}

TEST(SupervisedRules, PlainNoNetworkNeedsNoSupervisorUnlessTraced) {
  Policy p;
  p.block_network = true;
  EXPECT_FALSE(needs_supervisor(rules_for(p)));
  EXPECT_EQ(find(rules_for(p), "connect"), nullptr);
  p.trace = true;
  const auto traced = rules_for(p);
  EXPECT_TRUE(needs_supervisor(traced));
  EXPECT_EQ(find(traced, "socket")->action, Action::trace);
  EXPECT_EQ(find(traced, "socket")->error, EACCES);
  p.block_subprocess = true;
  EXPECT_EQ(find(rules_for(p), "fork")->action, Action::deny);  // --trace covers the network
}

}  // namespace
}  // namespace hermetic::syscall_rules
