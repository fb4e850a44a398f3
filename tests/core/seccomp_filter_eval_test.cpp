// Compiled filters checked against the rule table: each policy's exported BPF program is run
// by a classic-BPF interpreter (bpf_eval) over generated seccomp_data, and every verdict must be
// what the table says: the matching rule's errno or a user notification, ALLOW when no rule
// matches, KILL_PROCESS for every call of a foreign ABI. The arguments sit at and around each
// rule's boundaries (the masked bits, 32-bit truncation, high bits set), where libseccomp's
// 64-bit comparisons, done as two 32-bit halves, and the table's own reading could part.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "bpf_eval.hpp"
#include "seccomp/seccomp_filter.hpp"
#include "seccomp/syscall_rules.hpp"

namespace hermetic::syscall_rules {
namespace {

using Args = std::array<std::uint64_t, 6>;

constexpr std::uint32_t kX32Bit = 0x40000000U;  // __X32_SYSCALL_BIT
constexpr std::uint64_t kHigh = 0xffffffff00000000ULL;
constexpr std::uint64_t kTop = 1ULL << 63U;
constexpr std::uint64_t kBit32 = 1ULL << 32U;

std::string verdict_name(std::uint32_t verdict) {
  const std::uint32_t action = verdict & SECCOMP_RET_ACTION_FULL;
  const std::uint32_t data = verdict & SECCOMP_RET_DATA;
  std::ostringstream out;
  switch (action) {
    case SECCOMP_RET_ALLOW:
      out << "ALLOW";
      break;
    case SECCOMP_RET_ERRNO:
      out << "ERRNO(" << data << ")";
      break;
    case SECCOMP_RET_USER_NOTIF:
      out << "USER_NOTIF";
      break;
    case SECCOMP_RET_KILL_PROCESS:
      out << "KILL_PROCESS";
      break;
    case SECCOMP_RET_KILL_THREAD:
      out << "KILL_THREAD";
      break;
    case SECCOMP_RET_TRACE:
      out << "TRACE(" << data << ")";
      break;
    case SECCOMP_RET_TRAP:
      out << "TRAP(" << data << ")";
      break;
    case SECCOMP_RET_LOG:
      out << "LOG";
      break;
    default:
      out << "0x" << std::hex << verdict;
  }
  return out.str();
}

std::string describe(std::uint32_t arch, std::uint32_t nr, const Args& args) {
  std::ostringstream out;
  out << "arch 0x" << std::hex << arch << " nr " << std::dec << nr << " args" << std::hex;
  for (const auto arg : args) out << " 0x" << arg;
  return out.str();
}

// The syscall number a rule compiles to on this (the native) ABI, as compile() resolves it.
int number_of(const Rule& rule) {
  const std::string name(rule.syscall);
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) nr = rule.number_if_unknown;
  return nr;
}

// What the table says the filter must answer.
struct Model {
  std::vector<Rule> rules;
  seccomp_filter::ExecToken token;

  bool rule_matches(const Rule& rule, const Args& args) const {
    if (rule.test == ArgTest::not_exec_token) {
      // Either half of the token wrong: denied. The whole 64-bit register counts.
      return args[0] != token.dirfd || args[4] != token.flags;
    }
    return matches(rule, args);
  }

  static std::uint32_t verdict_of(const Rule& rule) {
    if (rule.action == Action::deny) {
      return SECCOMP_RET_ERRNO | (static_cast<std::uint32_t>(rule.error) & SECCOMP_RET_DATA);
    }
    return SECCOMP_RET_USER_NOTIF;
  }

  // The verdict, or a message when two matching rules disagree (the filter cannot honour both).
  std::variant<std::uint32_t, std::string> expect(std::uint32_t arch, std::uint32_t nr,
                                                  const Args& args) const {
    if (arch != AUDIT_ARCH_X86_64) return SECCOMP_RET_KILL_PROCESS;
    // x32 numbers on x86_64 (bit 30) and everything above them; -1 is what a tracer uses to skip
    // a call, and libseccomp lets it be.
    if (nr >= kX32Bit && nr != 0xffffffffU) return SECCOMP_RET_KILL_PROCESS;
    std::set<std::uint32_t> verdicts;
    for (const Rule& rule : rules) {
      if (static_cast<std::uint32_t>(number_of(rule)) == nr && rule_matches(rule, args)) {
        verdicts.insert(verdict_of(rule));
      }
    }
    if (verdicts.empty()) return SECCOMP_RET_ALLOW;
    if (verdicts.size() > 1) return "rules of one syscall disagree for " + describe(arch, nr, args);
    return *verdicts.begin();
  }
};

// Values at and around `value`: itself, its neighbours, each of its bits flipped, its high half
// set or cleared (the kernel reads ints from many of these registers), all and no bits.
std::vector<std::uint64_t> around(std::uint64_t value) {
  std::vector<std::uint64_t> out{value,
                                 value + 1,
                                 value - 1,
                                 value | kBit32,
                                 value | kHigh,
                                 value | kTop,
                                 value & ~kHigh,
                                 ~value,
                                 value << 32U,
                                 value >> 32U,
                                 0,
                                 ~0ULL,
                                 0xffffffffULL,
                                 kHigh,
                                 kBit32,
                                 1};
  for (unsigned bit = 0; bit < 64; ++bit) {
    const std::uint64_t flag = 1ULL << bit;
    if ((value & flag) != 0 || bit == 32 || bit == 63) out.push_back(value ^ flag);
  }
  return out;
}

// For `(arg & mask) == want`: the value, with bits outside the mask set, each masked bit
// flipped, and the mask's high half (0 or all ones) tested with high bits set.
std::vector<std::uint64_t> around_masked(std::uint64_t packed) {
  const std::uint64_t mask = packed >> 32U;
  const std::uint64_t want = packed & 0xffffffffU;
  std::vector<std::uint64_t> out = around(want);
  out.push_back(want | (~mask & 0xffffffffU));
  out.push_back(want | (~mask & 0xffffffffU) | kHigh);
  for (unsigned bit = 0; bit < 32; ++bit) {
    if ((mask & (1ULL << bit)) != 0) out.push_back(want ^ (1ULL << bit));
  }
  return out;
}

// Small values one by one (families, types, protocols), with high bits or type flags added.
std::vector<std::uint64_t> small_values() {
  std::vector<std::uint64_t> out;
  for (std::uint64_t v = 0; v < 72; ++v) {
    // 0x80800: SOCK_CLOEXEC | SOCK_NONBLOCK.
    for (const std::uint64_t extra :
         std::array<std::uint64_t, 6>{0, kBit32, kTop, kHigh, 0x80800, 0x100}) {
      out.push_back(v | extra);
    }
  }
  for (const std::uint64_t v :
       std::array<std::uint64_t, 4>{0xffffffff, ~std::uint64_t{0}, 0x7fffffff, 0x80000000}) {
    out.push_back(v);
  }
  return out;
}

class Checker {
 public:
  explicit Checker(std::vector<Rule> rules, seccomp_filter::ExecToken token = {})
      : model_{std::move(rules), token} {
    auto program = seccomp_filter::compile(model_.rules, token);
    if (!program.ok()) {
      ADD_FAILURE() << "compile: " << program.error().message;
      return;
    }
    program_ = std::move(program.value());
  }

  // Runs the program and the model on one call; records a failure when they differ.
  void check(std::uint32_t arch, std::uint32_t nr, const Args& args) {
    if (program_.empty() || failures_ > 20) return;  // keep the report readable
    seccomp_data data{};
    data.nr = static_cast<int>(nr);
    data.arch = arch;
    data.instruction_pointer = rng_();
    std::copy(args.begin(), args.end(), std::begin(data.args));
    ++checked_;
    const auto outcome = bpf_eval::run(program_, data);
    if (const auto* fault = std::get_if<bpf_eval::Fault>(&outcome)) {
      ++failures_;
      ADD_FAILURE() << "BPF cannot run: " << fault->what << " for " << describe(arch, nr, args);
      return;
    }
    const auto expected = model_.expect(arch, nr, args);
    if (const auto* conflict = std::get_if<std::string>(&expected)) {
      ++failures_;
      ADD_FAILURE() << *conflict;
      return;
    }
    const std::uint32_t got = std::get<std::uint32_t>(outcome);
    const std::uint32_t want = std::get<std::uint32_t>(expected);
    if (got != want) {
      ++failures_;
      ADD_FAILURE() << "BPF answers " << verdict_name(got) << ", the table " << verdict_name(want)
                    << ", for " << describe(arch, nr, args);
    }
  }

  // One call in every ABI: native, i386 (`int $0x80`), x32 (the number with bit 30).
  void check_every_abi(std::uint32_t nr, const Args& args) {
    check(AUDIT_ARCH_X86_64, nr, args);
    check(AUDIT_ARCH_I386, nr, args);
    check(AUDIT_ARCH_X86_64, nr | kX32Bit, args);
  }

  // `values` in argument `index`, the others zero, then random.
  void check_arg(std::uint32_t nr, unsigned index, const std::vector<std::uint64_t>& values) {
    for (const auto value : values) {
      Args args{};
      args.at(index) = value;
      check_every_abi(nr, args);
      for (auto& other : args) other = rng_();
      args.at(index) = value;
      check(AUDIT_ARCH_X86_64, nr, args);
    }
  }

  void check_rule(const Rule& rule) {
    const int signed_nr = number_of(rule);
    ASSERT_GE(signed_nr, 0) << rule.syscall;
    const auto nr = static_cast<std::uint32_t>(signed_nr);
    switch (rule.test) {
      case ArgTest::always:
        check_arg(nr, 0, {0, 1, ~0ULL});
        break;
      case ArgTest::arg0_not_equal:
      case ArgTest::arg0_bits_clear:
        check_arg(nr, 0, around(rule.value));
        break;
      case ArgTest::arg2_bits_set:
        check_arg(nr, 2, around(rule.value));
        break;
      case ArgTest::arg0_not_in:
        check_arg(nr, 0, small_values());
        break;
      case ArgTest::arg2_not_in:
        check_arg(nr, 2, small_values());
        break;
      case ArgTest::arg1_type_not_in:
        check_arg(nr, 1, small_values());
        break;
      case ArgTest::arg4_not_zero:
        check_arg(nr, 4, around(0));
        break;
      case ArgTest::arg1_masked_equal:
        check_arg(nr, 1, around_masked(rule.value));
        break;
      case ArgTest::arg2_masked_equal:
        check_arg(nr, 2, around_masked(rule.value));
        break;
      case ArgTest::arg1_arg2_equal:
        for (const auto level : around(rule.value >> 32U)) {
          for (const auto option : around(rule.value & 0xffffffffU)) {
            check_every_abi(nr, Args{0, level, option, 0, 0, 0});
          }
        }
        break;
      case ArgTest::not_exec_token: {
        const auto& token = model_.token;
        std::vector<std::uint64_t> dirfds = around(token.dirfd);
        dirfds.push_back(static_cast<std::uint64_t>(static_cast<std::int64_t>(AT_FDCWD)));
        dirfds.push_back(static_cast<std::uint32_t>(AT_FDCWD));
        std::vector<std::uint64_t> flags = around(token.flags);
        flags.push_back(AT_EMPTY_PATH);
        flags.push_back(token.flags | AT_EMPTY_PATH);
        for (const auto dirfd : dirfds) {
          for (const auto flag : flags) check_every_abi(nr, Args{dirfd, 0, 0, 0, flag, 0});
        }
        break;
      }
    }
  }

  // Every rule's boundaries, every syscall number the table could name and then some, and
  // random numbers and arguments.
  void check_all() {
    for (const Rule& rule : model_.rules) check_rule(rule);
    for (std::uint32_t nr = 0; nr < 600; ++nr) {
      check_every_abi(nr, Args{});
      check(AUDIT_ARCH_X86_64, nr, Args{rng_(), rng_(), rng_(), rng_(), rng_(), rng_()});
    }
    for (int i = 0; i < 2000; ++i) {
      const auto nr = static_cast<std::uint32_t>(rng_());
      const Args args{rng_(), rng_(), rng_(), rng_(), rng_(), rng_()};
      check(AUDIT_ARCH_X86_64, nr, args);
      check(AUDIT_ARCH_X86_64, nr & ~kX32Bit & 0x3ffU, args);
      check(static_cast<std::uint32_t>(rng_()), nr & 0x3ffU, args);
    }
    check(AUDIT_ARCH_X86_64, 0xffffffffU, Args{});
  }

  [[nodiscard]] int checked() const { return checked_; }
  [[nodiscard]] const seccomp_filter::Program& program() const { return program_; }
  [[nodiscard]] const Model& model() const { return model_; }

 private:
  Model model_;
  seccomp_filter::Program program_;
  std::mt19937_64 rng_{0x5eccu};  // fixed: a failure reproduces
  int checked_ = 0;
  int failures_ = 0;
};

seccomp_filter::ExecToken test_token() {
  auto token = seccomp_filter::ExecToken::generate();
  EXPECT_TRUE(token.ok());
  return token.ok() ? token.value() : seccomp_filter::ExecToken{};
}

void check_policy(const Policy& policy, Supervision supervision,
                  AbstractScope scope = AbstractScope::landlock,
                  Reporting reporting = Reporting::off) {
  Checker checker(rules_for(policy, supervision, scope, reporting), test_token());
  ASSERT_FALSE(checker.program().empty());
  checker.check_all();
  EXPECT_GT(checker.checked(), 8000);  // the generator ran
}

Policy no_network() {
  Policy p;
  p.block_network = true;
  return p;
}

TEST(SeccompFilterEval, NoNetwork) { check_policy(no_network(), Supervision::unavailable); }

TEST(SeccompFilterEval, NoNetworkSupervisorForAbstractScope) {
  check_policy(no_network(), Supervision::available, AbstractScope::supervisor);
}

TEST(SeccompFilterEval, NoNetworkAllowLocalhost) {
  Policy p = no_network();
  p.allow_localhost = true;
  check_policy(p, Supervision::available);
}

TEST(SeccompFilterEval, NoNetworkReporting) {
  check_policy(no_network(), Supervision::available, AbstractScope::landlock, Reporting::on);
}

TEST(SeccompFilterEval, NoNetworkTrace) {
  Policy p = no_network();
  p.trace = true;
  check_policy(p, Supervision::available);
}

TEST(SeccompFilterEval, NoSubprocessWithTheExecToken) {
  Policy p;
  p.block_subprocess = true;
  const auto rules = rules_for(p, Supervision::unavailable);
  const auto token = test_token();
  Checker checker(rules, token);
  checker.check_all();
  // The target's own exec passes, nothing one bit off does, and a zero token is no key.
  const auto execveat = static_cast<std::uint32_t>(seccomp_syscall_resolve_name("execveat"));
  checker.check(AUDIT_ARCH_X86_64, execveat, Args{token.dirfd, 0, 0, 0, token.flags, 0});
  const auto run = [&](const Args& args) {
    seccomp_data data{};
    data.nr = static_cast<int>(execveat);
    data.arch = AUDIT_ARCH_X86_64;
    std::copy(args.begin(), args.end(), std::begin(data.args));
    const auto outcome = bpf_eval::run(checker.program(), data);
    return std::holds_alternative<std::uint32_t>(outcome) ? std::get<std::uint32_t>(outcome) : 0U;
  };
  EXPECT_EQ(run(Args{token.dirfd, 0, 0, 0, token.flags, 0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(
      run(Args{static_cast<std::uint64_t>(static_cast<std::int64_t>(AT_FDCWD)), 0, 0, 0, 0, 0}),
      SECCOMP_RET_ERRNO | EACCES);
  EXPECT_EQ(run(Args{token.dirfd, 0, 0, 0, 0, 0}), SECCOMP_RET_ERRNO | EACCES);
  EXPECT_EQ(run(Args{0, 0, 0, 0, token.flags, 0}), SECCOMP_RET_ERRNO | EACCES);
}

TEST(SeccompFilterEval, FsReadonlyWithoutSupervisor) {
  Policy p;
  p.fs_readonly = true;
  check_policy(p, Supervision::unavailable);
}

TEST(SeccompFilterEval, FsReadonlyWithSupervisor) {
  Policy p;
  p.fs_readonly = true;
  check_policy(p, Supervision::available);
}

TEST(SeccompFilterEval, FsReadonlyRoot) {
  Policy p;
  p.fs_readonly = true;
  p.fs_root = "/";
  check_policy(p, Supervision::available);
  check_policy(p, Supervision::unavailable);
}

// --report's rows: opens notify by their flags without overlapping the truncation rows, and a
// plain read of a write-only policy is not notified.
TEST(SeccompFilterEval, FsReadonlyReporting) {
  Policy p;
  p.fs_readonly = true;
  p.block_subprocess = true;
  check_policy(p, Supervision::available, AbstractScope::landlock, Reporting::on);
  const auto rules = rules_for(p, Supervision::available, AbstractScope::landlock, Reporting::on);
  Checker checker(rules, test_token());
  const auto openat = static_cast<int>(seccomp_syscall_resolve_name("openat"));
  const auto run = [&](std::uint64_t flags) {
    seccomp_data data{};
    data.nr = openat;
    data.arch = AUDIT_ARCH_X86_64;
    data.args[2] = flags;
    const auto outcome = bpf_eval::run(checker.program(), data);
    return std::holds_alternative<std::uint32_t>(outcome) ? std::get<std::uint32_t>(outcome) : 0U;
  };
  EXPECT_EQ(run(O_RDONLY | O_CLOEXEC), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(O_RDONLY | O_DIRECTORY), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(O_WRONLY | O_CREAT | O_TRUNC), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(run(O_RDWR), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(run(O_RDONLY | O_CREAT), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(run(O_RDONLY | O_TRUNC), SECCOMP_RET_USER_NOTIF);  // refused, by the supervisor
  p.fs_root = "/";
  check_policy(p, Supervision::available, AbstractScope::landlock, Reporting::on);
  p.allow_exec = {"/usr/bin/true"};
  check_policy(p, Supervision::available, AbstractScope::landlock, Reporting::on);
}

TEST(SeccompFilterEval, BlockNativeRows) {
  Checker checker(native_code_rules());
  ASSERT_FALSE(checker.program().empty());
  checker.check_all();
}

Policy everything() {
  Policy p = no_network();
  p.allow_localhost = true;
  p.block_subprocess = true;
  p.fs_readonly = true;
  p.fs_root = "/";
  p.block_native = true;
  return p;
}

TEST(SeccompFilterEval, EverythingTogether) {
  check_policy(everything(), Supervision::available);
  check_policy(everything(), Supervision::unavailable, AbstractScope::supervisor);
}

// The comparison has teeth: the program of one policy, judged by another policy's table,
// disagrees, and so does a program with one errno changed.
TEST(SeccompFilterEval, AMismatchIsCaught) {
  auto compiled = seccomp_filter::compile(rules_for(no_network()));
  ASSERT_TRUE(compiled.ok());
  Policy other = no_network();
  other.allow_localhost = true;
  const Model model{rules_for(other, Supervision::available), {}};
  seccomp_data data{};
  data.arch = AUDIT_ARCH_X86_64;
  data.nr = seccomp_syscall_resolve_name("connect");
  const auto got = bpf_eval::run(compiled.value(), data);
  ASSERT_TRUE(std::holds_alternative<std::uint32_t>(got));
  EXPECT_EQ(std::get<std::uint32_t>(got), SECCOMP_RET_ALLOW);
  EXPECT_EQ(
      std::get<std::uint32_t>(model.expect(data.arch, static_cast<std::uint32_t>(data.nr), Args{})),
      SECCOMP_RET_USER_NOTIF);

  data.nr = seccomp_syscall_resolve_name("socket");
  data.args[0] = 2;  // AF_INET
  auto program = compiled.value();
  for (auto& insn : program) {
    if (insn.code == (BPF_RET | BPF_K) && insn.k == (SECCOMP_RET_ERRNO | EACCES)) {
      insn.k = SECCOMP_RET_ERRNO | EPERM;
    }
  }
  const auto changed = bpf_eval::run(program, data);
  ASSERT_TRUE(std::holds_alternative<std::uint32_t>(changed));
  EXPECT_EQ(std::get<std::uint32_t>(changed), SECCOMP_RET_ERRNO | EPERM);
}

// The interpreter and the kernel agree on a real filter: each call made in a child under the
// installed program fails with the errno the interpreter predicts, or succeeds where it says
// ALLOW; an x32 call kills the child as KILL_PROCESS says.
TEST(BpfEval, AgreesWithTheKernel) {
  auto compiled = seccomp_filter::compile(rules_for(no_network()));
  ASSERT_TRUE(compiled.ok());
  const auto& program = compiled.value();
  struct Case {
    long nr;
    Args args;
  };
  const std::vector<Case> cases{
      {SYS_socket, {AF_INET, SOCK_STREAM, 0, 0, 0, 0}},
      {SYS_socket, {AF_UNIX, SOCK_STREAM, 0, 0, 0, 0}},
      {SYS_socket, {AF_UNIX | kBit32, SOCK_STREAM, 0, 0, 0, 0}},  // the kernel reads AF_UNIX
      {SYS_getpid, {}},
      {static_cast<long>(kX32Bit) | SYS_getpid, {}},
  };
  for (const auto& [nr, args] : cases) {
    seccomp_data data{};
    data.nr = static_cast<int>(nr);
    data.arch = AUDIT_ARCH_X86_64;
    std::copy(args.begin(), args.end(), std::begin(data.args));
    const auto outcome = bpf_eval::run(program, data);
    ASSERT_TRUE(std::holds_alternative<std::uint32_t>(outcome));
    const std::uint32_t verdict = std::get<std::uint32_t>(outcome);

    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(200);
      if (seccomp_filter::install(program, false) != 0) _exit(201);
      const long rc = syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
      _exit(rc < 0 ? errno : 0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    const std::string what = "nr " + std::to_string(nr) + ": " + verdict_name(verdict);
    switch (verdict & SECCOMP_RET_ACTION_FULL) {
      case SECCOMP_RET_KILL_PROCESS:
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) << what;
        break;
      case SECCOMP_RET_ERRNO:
        ASSERT_TRUE(WIFEXITED(status)) << what;
        EXPECT_EQ(static_cast<std::uint32_t>(WEXITSTATUS(status)), verdict & SECCOMP_RET_DATA)
            << what;
        break;
      case SECCOMP_RET_ALLOW:
        ASSERT_TRUE(WIFEXITED(status)) << what;
        EXPECT_EQ(WEXITSTATUS(status), 0) << what;
        break;
      default:
        ADD_FAILURE() << "unexpected verdict for " << what;
    }
  }
}

// The interpreter refuses what the kernel's checker would: a test never passes on a guess.
TEST(BpfEval, RefusesWhatSeccompDoesNot) {
  const seccomp_data data{};
  const auto faults = [&](std::vector<sock_filter> program) {
    return std::holds_alternative<bpf_eval::Fault>(bpf_eval::run(program, data));
  };
  EXPECT_TRUE(faults({BPF_STMT(0xff, 0)}));  // no such class
  EXPECT_TRUE(faults({BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_LD | BPF_MEM, 3), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_ALU | 0xe0, 0), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 5)}));  // past the end
  EXPECT_TRUE(faults({BPF_JUMP(BPF_JMP | 0x70, 0, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_MISC | 0x10, 0), BPF_STMT(BPF_RET | BPF_K, 0)}));
  EXPECT_TRUE(faults({BPF_STMT(BPF_LD | BPF_IMM, 1)}));  // no return
  EXPECT_TRUE(faults({BPF_STMT(BPF_RET | BPF_X, 0)}));
}

// Each instruction libseccomp emits, and the few more the kernel allows, computes what it should.
TEST(BpfEval, RunsTheInstructionSet) {
  seccomp_data data{};
  data.nr = 42;
  data.arch = AUDIT_ARCH_X86_64;
  data.args[1] = 0x1234567800000009ULL;
  const auto ret = [&](std::vector<sock_filter> program) {
    const auto outcome = bpf_eval::run(program, data);
    EXPECT_TRUE(std::holds_alternative<std::uint32_t>(outcome));
    return std::holds_alternative<std::uint32_t>(outcome) ? std::get<std::uint32_t>(outcome)
                                                          : 0xdeadU;
  };
  // Loads: nr, arch, the low and high half of arg1 (little-endian halves).
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_A, 0)}), 42U);
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4), BPF_STMT(BPF_RET | BPF_A, 0)}),
            AUDIT_ARCH_X86_64);
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 24), BPF_STMT(BPF_RET | BPF_A, 0)}), 9U);
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 28), BPF_STMT(BPF_RET | BPF_A, 0)}),
            0x12345678U);
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_RET | BPF_A, 0)}), 64U);
  // Scratch memory, X, TAX/TXA, ALU with K and X.
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_ST, 2), BPF_STMT(BPF_LDX | BPF_IMM, 3),
                 BPF_STMT(BPF_STX, 5), BPF_STMT(BPF_LD | BPF_MEM, 5),
                 BPF_STMT(BPF_LDX | BPF_MEM, 2), BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0),
                 BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1), BPF_STMT(BPF_RET | BPF_A, 0)}),
            22U);
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_IMM, 0xf0), BPF_STMT(BPF_MISC | BPF_TAX, 0),
                 BPF_STMT(BPF_LD | BPF_IMM, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0),
                 BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x3c), BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 2),
                 BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 0x100), BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 1),
                 BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 2),
                 BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 2), BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 7),
                 BPF_STMT(BPF_ALU | BPF_NEG, 0), BPF_STMT(BPF_RET | BPF_A, 0)}),
            0U - ((((((0x30U >> 2) | 0x100U) ^ 1U) << 1) - 2U) / 2U % 7U));
  // Jumps: JEQ/JGT/JGE/JSET with K and X, JA; each taken and not.
  const auto jump = [&](std::uint16_t op, std::uint32_t a, std::uint32_t k) {
    return ret({BPF_STMT(BPF_LD | BPF_IMM, a), BPF_JUMP(BPF_JMP | op | BPF_K, k, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 1)});
  };
  EXPECT_EQ(jump(BPF_JEQ, 5, 5), 1U);
  EXPECT_EQ(jump(BPF_JEQ, 5, 6), 0U);
  EXPECT_EQ(jump(BPF_JGT, 6, 5), 1U);
  EXPECT_EQ(jump(BPF_JGT, 5, 5), 0U);
  EXPECT_EQ(jump(BPF_JGE, 5, 5), 1U);
  EXPECT_EQ(jump(BPF_JGE, 4, 5), 0U);
  EXPECT_EQ(jump(BPF_JSET, 0x80000000U, 0x80000001U), 1U);
  EXPECT_EQ(jump(BPF_JSET, 2, 1), 0U);
  EXPECT_EQ(ret({BPF_STMT(BPF_LD | BPF_IMM, 9), BPF_STMT(BPF_LDX | BPF_IMM, 9),
                 BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1), BPF_STMT(BPF_JMP | BPF_JA, 1),
                 BPF_STMT(BPF_RET | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 3)}),
            3U);
}

}  // namespace
}  // namespace hermetic::syscall_rules
