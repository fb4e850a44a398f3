// Every policy's and profile's filter compiled for aarch64 (on any machine: libseccomp builds a
// filter for a foreign architecture) and run by the classic-BPF interpreter over aarch64's
// syscall numbers. aarch64 has its own table (asm-generic): no fork, vfork, open, chmod, chown,
// utime; clone's flags are arg0 as on x86_64 (only tls and child_tid swap places); no second
// ABI but aarch32's, which the filter must kill. The checks: each rule's row answers as the
// table says at its boundaries, every other call is allowed, every foreign ABI is killed, and
// each call aarch64 lacks has its replacement (clone, openat, fchmodat, ...) in the same policy.
//
// This machine may not run aarch64 code at all: these tests judge the filter's bytes, not a
// kernel's answer (scripts/build_wheels.sh runs the cross-built binaries where qemu can).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bpf_eval.hpp"
#include "hermetic/policy.hpp"
#include "seccomp/seccomp_filter.hpp"
#include "seccomp/syscall_rules.hpp"

namespace hermetic::syscall_rules {
namespace {

using Args = std::array<std::uint64_t, 6>;

// The table's argument values are taken from the build machine's headers; aarch64's uapi
// headers (asm-generic) give the same ones. Where x86_64 and arm64 differ (O_DIRECTORY,
// O_NOFOLLOW, O_DIRECT, O_LARGEFILE) the table uses none.
static_assert(O_TRUNC == 01000 && O_CREAT == 0100 && O_RDONLY == 0);
static_assert(CLONE_THREAD == 0x00010000);
static_assert(PROT_EXEC == 4);
static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10);
static_assert(SOCK_STREAM == 1 && SOCK_DGRAM == 2 && SOCK_SEQPACKET == 5);
static_assert(TIOCSTI == 0x5412 && TIOCLINUX == 0x541C);

// aarch64's numbers from the kernel's include/uapi/asm-generic/unistd.h, written out so that
// libseccomp's table is checked too, not only trusted.
const std::map<std::string_view, int> kAarch64Numbers{
    {"socket", 198},         {"connect", 203}, {"sendto", 206},     {"sendmsg", 211},
    {"clone", 220},          {"execve", 221},  {"execveat", 281},   {"clone3", 435},
    {"openat", 56},          {"fchmodat", 53}, {"fchownat", 54},    {"utimensat", 88},
    {"truncate", 45},        {"mmap", 222},    {"mprotect", 226},   {"ioctl", 29},
    {"io_uring_setup", 425}, {"bpf", 280},     {"setsockopt", 208}, {"open_by_handle_at", 265},
};

// The calls aarch64 lacks, and the one that does their work there, which the same policy must
// refuse under the same condition (fork is clone without CLONE_THREAD).
const std::map<std::string_view, std::string_view> kReplacedOnAarch64{
    {"fork", "clone"},      {"vfork", "clone"},      {"open", "openat"},
    {"chmod", "fchmodat"},  {"chown", "fchownat"},   {"lchown", "fchownat"},
    {"utime", "utimensat"}, {"utimes", "utimensat"}, {"futimesat", "utimensat"},
};

int aarch64_number(std::string_view name) {
  return seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, std::string(name).c_str());
}

std::uint32_t verdict_of(const Rule& rule) {
  if (rule.action == Action::deny) {
    return SECCOMP_RET_ERRNO | (static_cast<std::uint32_t>(rule.error) & SECCOMP_RET_DATA);
  }
  return SECCOMP_RET_USER_NOTIF;
}

// Values at a boundary: the value, its neighbours, each bit flipped, high bits set, and small
// numbers with the socket type flags and high bits added (families, types, protocols).
std::vector<std::uint64_t> probes(std::uint64_t value) {
  std::vector<std::uint64_t> out{
      value,  value + 1, value - 1, value | (1ULL << 32U), value | 0xffffffff00000000ULL,
      ~value, 0,         ~0ULL,     0xffffffffULL};
  for (unsigned bit = 0; bit < 64; ++bit) out.push_back(value ^ (1ULL << bit));
  const std::uint64_t low = value & 0xffffffffU;
  for (unsigned bit = 0; bit < 32; ++bit) out.push_back(low ^ (1ULL << bit));
  for (std::uint64_t v = 0; v < 72; ++v) {
    for (const std::uint64_t extra : {0ULL, 1ULL << 32U, 1ULL << 63U, 0x80800ULL}) {
      out.push_back(v | extra);
    }
  }
  return out;
}

class Aarch64Checker {
 public:
  explicit Aarch64Checker(const std::vector<Rule>& rules) {
    auto token = seccomp_filter::ExecToken::generate();
    EXPECT_TRUE(token.ok());
    if (token.ok()) token_ = token.value();
    for (const Rule& rule : rules) {
      const std::string name(rule.syscall);
      // A syscall newer than this libseccomp cannot be translated to a foreign table: its rows
      // are compiled (by number, the same on every architecture since 424) only natively.
      if (aarch64_number(name) == __NR_SCMP_ERROR && rule.number_if_unknown >= 0) {
        skipped_.insert(name);
        continue;
      }
      rules_.push_back(rule);
    }
    auto program = seccomp_filter::compile(rules_, token_, SCMP_ARCH_AARCH64);
    if (!program.ok()) {
      ADD_FAILURE() << "compile for aarch64: " << program.error().message;
      return;
    }
    program_ = std::move(program.value());
  }

  // What the table says for one aarch64 call; a conflict between two rows is a failure.
  std::uint32_t expect(std::uint32_t arch, std::uint32_t nr, const Args& args) const {
    if (arch != AUDIT_ARCH_AARCH64) return SECCOMP_RET_KILL_PROCESS;
    std::set<std::uint32_t> verdicts;
    for (const Rule& rule : rules_) {
      const int number = aarch64_number(rule.syscall);
      if (number < 0 || static_cast<std::uint32_t>(number) != nr) continue;
      const bool hit = rule.test == ArgTest::not_exec_token
                           ? (args[0] != token_.dirfd || args[4] != token_.flags)
                           : matches(rule, args);
      if (hit) verdicts.insert(verdict_of(rule));
    }
    EXPECT_LE(verdicts.size(), 1U) << "rows of syscall " << nr << " disagree";
    return verdicts.empty() ? SECCOMP_RET_ALLOW : *verdicts.begin();
  }

  std::uint32_t run(std::uint32_t arch, std::uint32_t nr, const Args& args) const {
    seccomp_data data{};
    data.nr = static_cast<int>(nr);
    data.arch = arch;
    std::copy(args.begin(), args.end(), std::begin(data.args));
    const auto outcome = bpf_eval::run(program_, data);
    if (const auto* fault = std::get_if<bpf_eval::Fault>(&outcome)) {
      ADD_FAILURE() << "BPF cannot run: " << fault->what;
      return 0xdeadU;
    }
    return std::get<std::uint32_t>(outcome);
  }

  void check(std::uint32_t arch, std::uint32_t nr, const Args& args) {
    if (program_.empty() || failures_ > 20) return;
    ++checked_;
    const std::uint32_t got = run(arch, nr, args);
    const std::uint32_t want = expect(arch, nr, args);
    if (got != want) {
      ++failures_;
      ADD_FAILURE() << std::hex << "BPF answers 0x" << got << ", the table 0x" << want
                    << " for arch 0x" << arch << std::dec << " nr " << nr << " arg0 0x" << std::hex
                    << args[0] << " arg1 0x" << args[1] << " arg2 0x" << args[2] << " arg4 0x"
                    << args[4];
    }
  }

  void check_all() {
    for (const Rule& rule : rules_) {
      const int number = aarch64_number(rule.syscall);
      if (number < 0) continue;  // not a syscall here; check_replacements covers it
      const auto nr = static_cast<std::uint32_t>(number);
      unsigned index = 0;
      std::uint64_t value = rule.value;
      switch (rule.test) {
        case ArgTest::arg1_type_not_in:
        case ArgTest::arg1_masked_equal:
          index = 1;
          value = rule.value & 0xffffffffU;
          break;
        case ArgTest::arg2_not_in:
        case ArgTest::arg2_bits_set:
          index = 2;
          break;
        case ArgTest::arg2_masked_equal:
          index = 2;
          value = rule.value & 0xffffffffU;
          break;
        case ArgTest::arg4_not_zero:
          index = 4;
          value = 0;
          break;
        case ArgTest::arg1_arg2_equal:
          for (const auto level : probes(rule.value >> 32U)) {
            check(AUDIT_ARCH_AARCH64, nr, Args{0, level, rule.value & 0xffffffffU, 0, 0, 0});
            check(AUDIT_ARCH_AARCH64, nr, Args{0, rule.value >> 32U, level, 0, 0, 0});
          }
          continue;
        case ArgTest::not_exec_token:
          check(AUDIT_ARCH_AARCH64, nr, Args{token_.dirfd, 0, 0, 0, token_.flags, 0});
          for (const auto dirfd : probes(token_.dirfd)) {
            check(AUDIT_ARCH_AARCH64, nr, Args{dirfd, 0, 0, 0, token_.flags, 0});
            check(AUDIT_ARCH_AARCH64, nr, Args{token_.dirfd, 0, 0, 0, dirfd, 0});
          }
          continue;
        default:
          break;
      }
      for (const auto probe : probes(value)) {
        Args args{};
        args.at(index) = probe;
        check(AUDIT_ARCH_AARCH64, nr, args);
        check(AUDIT_ARCH_ARM, nr, args);  // aarch32 compat: a foreign ABI, killed
        for (auto& other : args) other = rng_();
        args.at(index) = probe;
        check(AUDIT_ARCH_AARCH64, nr, args);
      }
    }
    for (std::uint32_t nr = 0; nr < 600; ++nr) {
      check(AUDIT_ARCH_AARCH64, nr, Args{});
      check(AUDIT_ARCH_AARCH64, nr, Args{rng_(), rng_(), rng_(), rng_(), rng_(), rng_()});
      check(AUDIT_ARCH_X86_64, nr, Args{});
      check(AUDIT_ARCH_I386, nr, Args{});
      check(AUDIT_ARCH_ARM, nr, Args{});
    }
    for (int i = 0; i < 1000; ++i) {
      const Args args{rng_(), rng_(), rng_(), rng_(), rng_(), rng_()};
      check(AUDIT_ARCH_AARCH64, static_cast<std::uint32_t>(rng_()), args);
      check(static_cast<std::uint32_t>(rng_()), static_cast<std::uint32_t>(rng_() & 0x3ffU), args);
    }
  }

  // Each rule for a call aarch64 lacks has a rule for the call that replaces it, with the same
  // argument test (on the same flags) and the same answer.
  void check_replacements() const {
    for (const Rule& rule : rules_) {
      if (aarch64_number(rule.syscall) >= 0) continue;
      const auto replaced = kReplacedOnAarch64.find(rule.syscall);
      if (replaced == kReplacedOnAarch64.end()) {
        ADD_FAILURE() << rule.syscall << " is no aarch64 syscall and has no known replacement";
        continue;
      }
      const bool covered = std::any_of(rules_.begin(), rules_.end(), [&](const Rule& other) {
        if (other.syscall != replaced->second || verdict_of(other) != verdict_of(rule)) {
          return false;
        }
        if (rule.syscall == "fork" || rule.syscall == "vfork") {
          return other.test == ArgTest::arg0_bits_clear && other.value == CLONE_THREAD;
        }
        if (rule.syscall == "open") {  // open's flags are arg1, openat's arg2
          return other.test == ArgTest::arg2_masked_equal && other.value == rule.value;
        }
        return other.test == ArgTest::always;
      });
      EXPECT_TRUE(covered) << rule.syscall << " (not on aarch64) has no " << replaced->second
                           << " row refusing the same";
    }
  }

  [[nodiscard]] bool compiled() const { return !program_.empty(); }
  [[nodiscard]] int checked() const { return checked_; }
  [[nodiscard]] const std::set<std::string>& skipped() const { return skipped_; }

 private:
  std::vector<Rule> rules_;
  seccomp_filter::ExecToken token_;
  seccomp_filter::Program program_;
  std::set<std::string> skipped_;
  std::mt19937_64 rng_{0xa64U};  // fixed: a failure reproduces
  int checked_ = 0;
  int failures_ = 0;
};

void check_policy(const std::string& what, const Policy& policy) {
  SCOPED_TRACE(what);
  std::set<std::string> skipped;
  for (const auto supervision : {Supervision::available, Supervision::unavailable}) {
    for (const auto scope : {AbstractScope::landlock, AbstractScope::supervisor}) {
      Aarch64Checker checker(rules_for(policy, supervision, scope));
      ASSERT_TRUE(checker.compiled());
      checker.check_all();
      checker.check_replacements();
      EXPECT_GT(checker.checked(), 3000);  // the generator ran
      skipped.insert(checker.skipped().begin(), checker.skipped().end());
    }
  }
  if (!skipped.empty()) {
    std::cout << "[aarch64] " << what << ": rows not compiled for aarch64 here (newer than this"
              << " libseccomp; numbered as on every architecture):";
    for (const auto& name : skipped) std::cout << ' ' << name;
    std::cout << '\n';
  }
}

TEST(SeccompFilterAarch64, RunsNoAarch64CodeHere) {
  // Said in the test output, as the docs say: these are checks of the compiled filter.
  std::cout << "[aarch64] filters compiled and evaluated for AUDIT_ARCH_AARCH64 by the BPF"
            << " interpreter; no aarch64 kernel runs them in this test\n";
  EXPECT_EQ(seccomp_arch_resolve_name("aarch64"), SCMP_ARCH_AARCH64);
}

TEST(SeccompFilterAarch64, LibseccompNumbersAreTheKernels) {
  for (const auto& [name, number] : kAarch64Numbers) {
    EXPECT_EQ(aarch64_number(name), number) << name;
  }
  for (const auto& [name, replacement] : kReplacedOnAarch64) {
    EXPECT_LT(aarch64_number(name), 0) << name << " is a syscall on aarch64 after all";
    EXPECT_NE(aarch64_number(name), __NR_SCMP_ERROR) << name;
    EXPECT_GE(aarch64_number(replacement), 0) << replacement;
  }
}

TEST(SeccompFilterAarch64, EveryProfile) {
  for (const auto name : profile_names()) {
    auto policy = profile(name);
    ASSERT_TRUE(policy.ok()) << name;
    check_policy("profile " + std::string(name), policy.value());
  }
}

TEST(SeccompFilterAarch64, EveryFlag) {
  Policy network;
  network.block_network = true;
  check_policy("--no-network", network);
  Policy localhost = network;
  localhost.allow_localhost = true;
  check_policy("--no-network --allow-localhost", localhost);
  Policy trace = network;
  trace.trace = true;
  check_policy("--no-network --trace", trace);
  Policy subprocess;
  subprocess.block_subprocess = true;
  check_policy("--no-subprocess", subprocess);
  Policy readonly;
  readonly.fs_readonly = true;
  check_policy("--fs-readonly", readonly);
  Policy root = readonly;
  root.fs_root = "/";
  check_policy("--fs-readonly=/", root);
  Policy environment;
  environment.block_environment = true;
  check_policy("--no-environment", environment);
  Policy all = localhost;
  all.block_subprocess = true;
  all.fs_readonly = true;
  all.fs_root = "/";
  check_policy("everything", all);
}

TEST(SeccompFilterAarch64, BlockNativeRows) {
  Aarch64Checker checker(native_code_rules());
  ASSERT_TRUE(checker.compiled());
  checker.check_all();
  checker.check_replacements();
}

// The checks have teeth: clone without CLONE_THREAD is refused at aarch64's number (220, not
// x86_64's 56), a thread is not, and x86_64's fork number (57) is nothing special there.
TEST(SeccompFilterAarch64, CloneIsJudgedAtAarch64sNumber) {
  Policy subprocess;
  subprocess.block_subprocess = true;
  Aarch64Checker checker(rules_for(subprocess));
  ASSERT_TRUE(checker.compiled());
  EXPECT_EQ(checker.run(AUDIT_ARCH_AARCH64, 220, Args{0x11U, 0, 0, 0, 0, 0}),
            SECCOMP_RET_ERRNO | EPERM);  // SIGCHLD: a fork
  EXPECT_EQ(checker.run(AUDIT_ARCH_AARCH64, 220, Args{CLONE_THREAD | CLONE_VM, 0, 0, 0, 0, 0}),
            SECCOMP_RET_ALLOW);
  EXPECT_EQ(checker.run(AUDIT_ARCH_AARCH64, 56, Args{0x11U, 0, 0, 0, 0, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(checker.run(AUDIT_ARCH_AARCH64, 435, Args{}), SECCOMP_RET_ERRNO | ENOSYS);
  EXPECT_EQ(checker.run(AUDIT_ARCH_ARM, 120, Args{0x11U, 0, 0, 0, 0, 0}), SECCOMP_RET_KILL_PROCESS);
}

}  // namespace
}  // namespace hermetic::syscall_rules
