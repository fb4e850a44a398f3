// Policy -> syscall rule translation, without the kernel.
#include "seccomp/syscall_rules.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string>

#include "seccomp/seccomp_filter.hpp"

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

TEST(SyscallRules, SubprocessDeniesEveryExecButTheTargetsOwn) {
  Policy p;
  p.block_subprocess = true;
  const auto rules = rules_for(p);
  ASSERT_NE(find(rules, "execve"), nullptr);
  EXPECT_EQ(find(rules, "execve")->test, ArgTest::always);
  ASSERT_NE(find(rules, "execveat"), nullptr);
  EXPECT_EQ(find(rules, "execveat")->test, ArgTest::not_exec_token);
  EXPECT_EQ(find(rules, "execveat")->error, EACCES);
}

TEST(SyscallRules, AllowExecLiftsTheProcessAndExecRowsButKeepsClone3) {
  Policy p;
  p.block_subprocess = true;
  p.allow_exec = {"/usr/bin/git"};
  const auto rules = rules_for(p);
  for (const char* lifted : {"fork", "vfork", "clone", "execve", "execveat"}) {
    EXPECT_EQ(find(rules, lifted), nullptr) << lifted;  // Landlock EXECUTE decides the programs
  }
  ASSERT_NE(find(rules, "clone3"), nullptr);
  EXPECT_EQ(find(rules, "clone3")->error, ENOSYS);
  // A memfd is a file Landlock does not judge: only a never-executable one may be made.
  ASSERT_NE(find(rules, "memfd_create"), nullptr);
  EXPECT_EQ(find(rules, "memfd_create")->test, ArgTest::arg1_masked_equal);
  EXPECT_EQ(find(rules, "memfd_create")->value, 0x8ULL << 32U);
  p.allow_exec.clear();
  EXPECT_EQ(find(rules_for(p), "memfd_create"), nullptr);
}

TEST(SeccompFilter, ExecTokenHidesInTheIgnoredHalves) {
  auto first = seccomp_filter::ExecToken::generate();
  auto second = seccomp_filter::ExecToken::generate();
  ASSERT_TRUE(first.ok() && second.ok());
  for (const auto& token : {first.value(), second.value()}) {
    // What the kernel reads: execveat(AT_FDCWD, ..., flags 0).
    EXPECT_EQ(static_cast<int>(token.dirfd & 0xffffffffU), AT_FDCWD);
    EXPECT_EQ(token.flags & 0xffffffffU, 0U);
    // What ordinary callers pass in the high halves (0 or sign extension) never matches.
    for (const std::uint64_t high : {token.dirfd >> 32, token.flags >> 32}) {
      EXPECT_NE(high, 0U);
      EXPECT_NE(high, 0xffffffffU);
    }
  }
  EXPECT_NE(first.value().dirfd, second.value().dirfd);  // random: equal once in 2^32 runs
}

TEST(SyscallRules, EveryNameIsANativeSyscallOrCarriesItsNumber) {
  for (const Rule& rule : all_rules()) {
    const bool known =
        seccomp_syscall_resolve_name(std::string(rule.syscall).c_str()) != __NR_SCMP_ERROR;
    // Numbers are only trusted for the architecture-independent range (Linux 5.1+).
    EXPECT_TRUE(known || rule.number_if_unknown >= 424) << rule.syscall;
  }
}

TEST(SyscallRules, FsReadonlyDeniesMetadataChangesWithErofs) {
  Policy p;
  p.fs_readonly = true;
  const auto rules = rules_for(p);
  for (const char* name :
       {"chmod",      "fchmod",      "fchmodat",     "fchmodat2",    "chown",
        "fchown",     "lchown",      "fchownat",     "utime",        "utimes",
        "futimesat",  "utimensat",   "setxattr",     "lsetxattr",    "fsetxattr",
        "setxattrat", "removexattr", "lremovexattr", "fremovexattr", "removexattrat"}) {
    const Rule* rule = find(rules, name);
    ASSERT_NE(rule, nullptr) << name;
    EXPECT_EQ(rule->error, EROFS) << name;
    EXPECT_EQ(rule->capability, Capability::fs_write) << name;
  }
  // mknod is Landlock's (MAKE_*), so it stays usable where writes are allowed.
  EXPECT_EQ(find(rules, "mknodat"), nullptr);
  EXPECT_EQ(find(rules, "socket"), nullptr);
}

// ioctl rows compare the request's low 32 bits (the kernel's unsigned int) and nothing above.
bool refuses_ioctl(const std::vector<Rule>& rules, unsigned long request, int error) {
  return std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
    return rule.syscall == "ioctl" && rule.test == ArgTest::arg1_masked_equal &&
           rule.value == ((0xffffffffULL << 32U) | request) && rule.error == error;
  });
}

TEST(SyscallRules, FsReadonlyRefusesMetadataIoctlsAndTruncationByHandle) {
  Policy p;
  p.fs_readonly = true;
  const auto rules = rules_for(p);
  for (const unsigned long request :
       {FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION,
        FS_IOC32_SETVERSION, FS_IOC_SETFSLABEL, FITRIM}) {
    EXPECT_TRUE(refuses_ioctl(rules, request, EROFS)) << std::hex << request;
  }
  // Truncation without write access by handle, as by path; opening by handle otherwise works.
  int by_handle = 0;
  for (const Rule& rule : rules) {
    if (rule.syscall != "open_by_handle_at") continue;
    ++by_handle;
    EXPECT_EQ(rule.test, ArgTest::arg2_masked_equal);
    EXPECT_EQ(rule.error, EROFS);
  }
  EXPECT_EQ(by_handle, 2);
}

TEST(SyscallRules, EveryKernelPolicyRefusesTheTerminalAndKernelCode) {
  for (const auto set : {&Policy::block_network, &Policy::block_subprocess, &Policy::fs_readonly,
                         &Policy::block_environment}) {
    Policy p;
    p.*set = true;
    const auto rules = rules_for(p);
    EXPECT_TRUE(refuses_ioctl(rules, TIOCSTI, EPERM));
    EXPECT_TRUE(refuses_ioctl(rules, TIOCLINUX, EPERM));
    for (const char* name :
         {"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load"}) {
      ASSERT_NE(find(rules, name), nullptr) << name;
      EXPECT_EQ(find(rules, name)->error, EPERM) << name;
    }
  }
  Policy python_only;
  python_only.block_code_exec = true;  // no kernel layer at all: no filter to put them in
  EXPECT_TRUE(rules_for(python_only).empty());
}

TEST(SupervisedRules, NetfilterTablesCannotBeReplacedThroughAnAllowedSocket) {
  Policy p;
  p.block_network = true;
  p.allow_localhost = true;  // IP sockets exist: a root target could set a DNAT rule on one
  const auto rules = rules_for(p);
  const auto refused = [&](std::uint64_t level, std::uint64_t option) {
    return std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
      return rule.syscall == "setsockopt" && rule.test == ArgTest::arg1_arg2_equal &&
             rule.value == ((level << 32U) | option) && rule.error == EACCES;
    });
  };
  for (const std::uint64_t option : {64U, 65U, 96U, 97U, 128U, 129U}) {
    EXPECT_TRUE(refused(IPPROTO_IP, option)) << option;
  }
  EXPECT_TRUE(refused(IPPROTO_IPV6, 64));
  EXPECT_TRUE(refused(IPPROTO_IPV6, 65));
}

TEST(SyscallRules, NoNetworkRefusesPacketsWithoutSockets) {
  Policy p;
  p.block_network = true;
  const auto rules = rules_for(p);
  ASSERT_NE(find(rules, "bpf"), nullptr);
  EXPECT_EQ(find(rules, "bpf")->test, ArgTest::always);
  EXPECT_TRUE(refuses_ioctl(rules, TUNSETIFF, EACCES));
}

TEST(SyscallRules, TruncationWithoutWriteAccessIsRefused) {
  Policy p;
  p.fs_readonly = true;
  const auto rules = rules_for(p);
  ASSERT_NE(find(rules, "truncate"), nullptr);
  EXPECT_EQ(find(rules, "truncate")->error, EROFS);
  ASSERT_NE(find(rules, "openat2"), nullptr);
  EXPECT_EQ(find(rules, "openat2")->error, ENOSYS);
  ASSERT_NE(find(rules, "io_uring_setup"), nullptr);
  // open and openat: O_TRUNC with access mode O_RDONLY or 3 matches; with write access not.
  for (const char* name : {"open", "openat"}) {
    const unsigned arg = std::string_view(name) == "open" ? 1 : 2;
    int matched_rules = 0;
    for (const Rule& rule : rules) {
      if (rule.syscall != name) continue;
      ++matched_rules;
      EXPECT_EQ(rule.error, EROFS);
    }
    EXPECT_EQ(matched_rules, 2) << name;
    const auto refused = [&](std::uint64_t flags) {
      std::array<std::uint64_t, 6> args{};
      args.at(arg) = flags;
      return std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
        return rule.syscall == name && matches(rule, args);
      });
    };
    EXPECT_TRUE(refused(O_RDONLY | O_TRUNC)) << name;
    EXPECT_TRUE(refused(O_ACCMODE | O_TRUNC | O_CLOEXEC)) << name;
    EXPECT_FALSE(refused(O_WRONLY | O_TRUNC | O_CREAT)) << name;
    EXPECT_FALSE(refused(O_RDWR | O_TRUNC)) << name;
    EXPECT_FALSE(refused(O_RDONLY | O_CLOEXEC)) << name;
  }
  EXPECT_EQ(find(rules_for(Policy{}), "truncate"), nullptr);
}

TEST(SyscallRules, ASyscallRefusedByTwoCapabilitiesIsListedOnce) {
  Policy p;
  p.block_network = true;
  p.fs_readonly = true;
  const auto rules = rules_for(p);
  EXPECT_EQ(std::count_if(rules.begin(), rules.end(),
                          [](const Rule& rule) { return rule.syscall == "io_uring_setup"; }),
            1);
  EXPECT_EQ(find(rules, "io_uring_setup")->capability, Capability::network);
}

TEST(SyscallRules, ReadRootDeniesOpenByHandle) {
  Policy p;
  p.fs_readonly = true;
  p.fs_root = "/srv";
  const auto rules = rules_for(p);
  const Rule* rule = find(rules, "open_by_handle_at");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->error, EACCES);
  EXPECT_EQ(rule->test, ArgTest::always);  // the O_TRUNC rows of --fs-readonly give way to it
  EXPECT_EQ(std::count_if(rules.begin(), rules.end(),
                          [](const Rule& r) { return r.syscall == "open_by_handle_at"; }),
            1);
}

TEST(SyscallRules, ErrnoTellsTheCapability) {
  for (const Rule& rule : all_rules()) {
    if (rule.capability != Capability::fs_write) continue;
    if (rule.action == Action::landlock_reported) continue;  // answered by Landlock, not here
    // ENOSYS only where the whole syscall goes, so that callers fall back to another one.
    if (rule.error == ENOSYS) {
      EXPECT_EQ(rule.test, ArgTest::always) << rule.syscall;
    } else {
      EXPECT_EQ(rule.error, EROFS) << rule.syscall;
    }
  }
}

// --report: the refusals BPF and Landlock make unseen reach the supervisor, only with a report
// and a supervisor to serve it; the rest of the table is unchanged.
TEST(SyscallRules, ReportingTurnsUnseenRefusalsIntoNotifications) {
  Policy p;
  p.block_subprocess = true;
  p.fs_readonly = true;
  const auto plain = rules_for(p, Supervision::available);
  const auto reported =
      rules_for(p, Supervision::available, AbstractScope::landlock, Reporting::on);
  const auto unserved =
      rules_for(p, Supervision::unavailable, AbstractScope::landlock, Reporting::on);
  for (const char* name : {"fork", "vfork", "clone", "execve", "execveat", "truncate"}) {
    ASSERT_NE(find(plain, name), nullptr) << name;
    EXPECT_EQ(find(plain, name)->action, Action::deny) << name;
    EXPECT_EQ(find(unserved, name)->action, Action::deny) << name;
    ASSERT_NE(find(reported, name), nullptr) << name;
    EXPECT_EQ(find(reported, name)->action, Action::deny_reported) << name;
    EXPECT_EQ(find(reported, name)->error, find(plain, name)->error) << name;  // same answer
  }
  // clone3's ENOSYS is glibc's way to clone(), not a refusal: it stays in BPF.
  EXPECT_EQ(find(reported, "clone3")->action, Action::deny);
  EXPECT_EQ(find(reported, "clone3")->error, ENOSYS);
  for (const char* name : {"mkdir", "unlinkat", "renameat2", "linkat", "symlink", "creat"}) {
    EXPECT_EQ(find(plain, name), nullptr) << name;
    EXPECT_EQ(find(unserved, name), nullptr) << name;
    ASSERT_NE(find(reported, name), nullptr) << name;
    EXPECT_EQ(find(reported, name)->action, Action::landlock_reported) << name;
  }
  // The network rows as --trace has them: a static program's refused socket gets its line too.
  Policy offline;
  offline.block_network = true;
  const auto net =
      rules_for(offline, Supervision::available, AbstractScope::landlock, Reporting::on);
  EXPECT_EQ(find(net, "socket")->action, Action::deny_reported);
  EXPECT_EQ(find(net, "socket")->error, EACCES);
  offline.trace = true;
  EXPECT_EQ(find(rules_for(offline, Supervision::available, AbstractScope::landlock, Reporting::on),
                 "socket")
                ->action,
            Action::trace);
  // With an --allow-exec list, Landlock decides execs: every exec but the target's own notifies.
  p.allow_exec = {"/usr/bin/true"};
  const auto listed = rules_for(p, Supervision::available, AbstractScope::landlock, Reporting::on);
  EXPECT_EQ(find(listed, "fork"), nullptr);
  ASSERT_NE(find(listed, "execve"), nullptr);
  EXPECT_EQ(find(listed, "execve")->action, Action::landlock_reported);
  ASSERT_NE(find(listed, "execveat"), nullptr);
  EXPECT_EQ(find(listed, "execveat")->action, Action::landlock_reported);
  EXPECT_EQ(find(listed, "execveat")->test, ArgTest::not_exec_token);
  EXPECT_EQ(find(rules_for(p, Supervision::available), "execve"), nullptr);
  p.allow_exec.clear();
  // Reads are notified only under a read root.
  const auto is_read = [](const Rule& r) { return r.capability == Capability::fs_read; };
  EXPECT_EQ(std::count_if(reported.begin(), reported.end(), is_read), 0);
  p.fs_root = "/srv";
  const auto rooted = rules_for(p, Supervision::available, AbstractScope::landlock, Reporting::on);
  EXPECT_EQ(std::count_if(
                rooted.begin(), rooted.end(),
                [&](const Rule& r) { return is_read(r) && r.action == Action::landlock_reported; }),
            2);  // open and openat
}

TEST(SeccompFilter, CompilesEveryRuleOfTheTable) {
  Policy p;
  p.block_network = true;
  p.block_subprocess = true;
  p.fs_readonly = true;
  p.fs_root = "/srv";
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

TEST(SyscallRules, ReadOnlyRefusesFreezingAndTuningAFilesystem) {
  Policy p;
  p.fs_readonly = true;
  const auto rules = rules_for(p);
  const auto refuses_ioctl = [&](std::uint64_t request) {
    std::array<std::uint64_t, 6> args{3, request, 0, 0, 0, 0};
    return std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
      return rule.syscall == "ioctl" && matches(rule, args);
    });
  };
  EXPECT_TRUE(refuses_ioctl(FIFREEZE));
  EXPECT_TRUE(refuses_ioctl(FITHAW));
  // EXT4_IOC_SET_TUNE_SB_PARAM, _IOW('f', 46, struct ext4_tune_sb_params): the struct's size
  // changed within 6.18.y (228 and 232 bytes); both numbers are refused, and the GET twin is not.
  constexpr auto tune = [](unsigned dir, unsigned size) {
    return (std::uint64_t{dir} << 30U) | (std::uint64_t{size} << 16U) | ('f' << 8U) | 46U;
  };
  EXPECT_TRUE(refuses_ioctl(tune(1, 232)));
  EXPECT_TRUE(refuses_ioctl(tune(1, 228)));
  EXPECT_FALSE(refuses_ioctl(tune(2, 232)));
  EXPECT_FALSE(refuses_ioctl((std::uint64_t{2} << 30U) | (232U << 16U) | ('f' << 8U) | 45U));
  for (const char* name : {"fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount",
                           "mount_setattr", "mq_unlink"}) {
    ASSERT_NE(find(rules, name), nullptr) << name;
    EXPECT_EQ(find(rules, name)->test, ArgTest::always) << name;
  }
  const Rule* mq_open = find(rules, "mq_open");
  ASSERT_NE(mq_open, nullptr);
  EXPECT_TRUE(matches(*mq_open, {0, O_CREAT | O_RDWR, 0, 0, 0, 0}));
  EXPECT_FALSE(matches(*mq_open, {0, O_RDWR, 0, 0, 0, 0}));  // an existing queue: IPC
}

TEST(SyscallRules, ReadRootRefusesTheKeyring) {
  Policy p;
  p.fs_readonly = true;
  EXPECT_EQ(find(rules_for(p), "keyctl"), nullptr);
  p.fs_root = "/srv";
  for (const char* name : {"request_key", "keyctl", "add_key"}) {
    ASSERT_NE(find(rules_for(p), name), nullptr) << name;
    EXPECT_EQ(find(rules_for(p), name)->error, EACCES) << name;
  }
}

TEST(SupervisedRules, BelowTheAbstractScopeTheSupervisorDecidesAddressedCalls) {
  Policy p;
  p.block_network = true;
  const auto rules = rules_for(p, Supervision::available, AbstractScope::supervisor);
  for (const char* name : {"connect", "sendto", "sendmsg", "sendmmsg"}) {
    ASSERT_NE(find(rules, name), nullptr) << name;
    EXPECT_EQ(find(rules, name)->action, Action::supervise) << name;
  }
  // Still no IP socket at all: the flat ban, not the supervised families.
  const Rule* socket_rule = find(rules, "socket");
  ASSERT_NE(socket_rule, nullptr);
  EXPECT_EQ(socket_rule->test, ArgTest::arg0_not_equal);
  EXPECT_FALSE(needs_supervisor(rules_for(p, Supervision::available)));  // the scope's job
}

TEST(SupervisedRules, MetadataCallsAreSupervisedOnlyWhenASupervisorServes) {
  Policy p;
  p.fs_readonly = true;
  const auto alone = rules_for(p);  // apply_to_self, or a kernel without user notification
  EXPECT_FALSE(needs_supervisor(alone));
  EXPECT_EQ(find(alone, "chmod")->action, Action::deny);
  EXPECT_EQ(find(alone, "chmod")->error, EROFS);
  const auto served = rules_for(p, Supervision::available);
  EXPECT_TRUE(needs_supervisor(served));
  for (const char* name :
       {"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
        "utime", "utimes", "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr",
        "removexattr", "lremovexattr", "fremovexattr"}) {
    ASSERT_NE(find(served, name), nullptr) << name;
    EXPECT_EQ(find(served, name)->action, Action::supervise) << name;
    EXPECT_EQ(find(served, name)->error, EROFS) << name;
  }
  // What has no object to decide on, or a struct argument, stays refused everywhere.
  for (const char* name : {"truncate", "setxattrat", "removexattrat", "openat2"}) {
    EXPECT_EQ(find(served, name)->action, Action::deny) << name;
  }
  auto program = seccomp_filter::compile(served);
  ASSERT_TRUE(program.ok()) << program.error().message;
}

}  // namespace
}  // namespace hermetic::syscall_rules

namespace hermetic::syscall_rules {
namespace {

std::vector<Rule> supervised_rules() {
  Policy p;
  p.block_network = true;
  p.allow_localhost = true;
  return rules_for(p);
}

bool any_matches(const std::vector<Rule>& rules, std::string_view syscall,
                 const std::array<std::uint64_t, 6>& args) {
  return std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
    return rule.syscall == syscall && matches(rule, args);
  });
}

TEST(SupervisedRules, OnlyTcpUdpIcmpStreamAndDatagramSockets) {
  const auto rules = supervised_rules();
  const auto socket_call = [&](std::uint64_t family, std::uint64_t type, std::uint64_t protocol) {
    return any_matches(rules, "socket", {family, type, protocol, 0, 0, 0});
  };
  EXPECT_FALSE(socket_call(AF_INET, SOCK_STREAM, 0));
  EXPECT_FALSE(socket_call(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  EXPECT_FALSE(socket_call(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
  EXPECT_FALSE(socket_call(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
  EXPECT_FALSE(socket_call(AF_UNIX, SOCK_SEQPACKET, 0));
  EXPECT_TRUE(socket_call(AF_INET, SOCK_RAW, IPPROTO_ICMP));
  EXPECT_TRUE(socket_call(AF_INET, SOCK_PACKET, 0));
  EXPECT_TRUE(socket_call(AF_INET, SOCK_STREAM, IPPROTO_SCTP));
  EXPECT_TRUE(socket_call(AF_INET, SOCK_STREAM, 262));  // IPPROTO_MPTCP
  EXPECT_TRUE(socket_call(AF_INET, SOCK_STREAM, 0x100000006));
}

TEST(SupervisedRules, SourceRoutingOptionsAreRefusedWhateverTheUpperBits) {
  const auto rules = supervised_rules();
  EXPECT_TRUE(any_matches(rules, "setsockopt", {3, IPPROTO_IP, IP_OPTIONS, 0, 0, 0}));
  EXPECT_TRUE(
      any_matches(rules, "setsockopt", {3, (1ULL << 32U) | IPPROTO_IP, IP_OPTIONS, 0, 0, 0}));
  EXPECT_TRUE(any_matches(rules, "setsockopt", {3, IPPROTO_IPV6, IPV6_RTHDR, 0, 0, 0}));
  EXPECT_FALSE(any_matches(rules, "setsockopt", {3, IPPROTO_IP, IP_TOS, 0, 0, 0}));
  EXPECT_FALSE(any_matches(rules, "setsockopt", {3, SOL_SOCKET, SO_REUSEADDR, 0, 0, 0}));
  auto program = seccomp_filter::compile(rules);
  ASSERT_TRUE(program.ok()) << program.error().message;
}

}  // namespace
}  // namespace hermetic::syscall_rules
