#include "seccomp/seccomp_filter.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "base/fd.hpp"

namespace hermetic::seccomp_filter {
namespace {

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

constexpr unsigned long kWaitKillableRecv = 1UL << 5;  // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV

std::string describe(int negative_errno) { return std::strerror(-negative_errno); }

std::uint32_t action_of(const syscall_rules::Rule& rule) {
  if (rule.action == syscall_rules::Action::deny) {
    return SCMP_ACT_ERRNO(static_cast<std::uint32_t>(rule.error));
  }
  return SCMP_ACT_NOTIFY;  // trace and supervise: the supervisor answers
}

// Matches when argument `arg` is not one of the values whose bits are set in `allowed`:
// libseccomp takes one comparison per argument and rule, so one rule for every value above
// the highest allowed one, then one for each value below it that is not allowed.
int add_not_in(const Context& ctx, std::uint32_t action, int nr, unsigned arg,
               std::uint64_t allowed) {
  const auto highest = static_cast<std::uint64_t>(63 - __builtin_clzll(allowed | 1U));
  int rc = seccomp_rule_add(ctx.get(), action, nr, 1, scmp_arg_cmp{arg, SCMP_CMP_GT, highest, 0});
  for (std::uint64_t value = 0; rc == 0 && value < highest; ++value) {
    if ((allowed & (1ULL << value)) != 0) continue;
    rc = seccomp_rule_add(ctx.get(), action, nr, 1, scmp_arg_cmp{arg, SCMP_CMP_EQ, value, 0});
  }
  return rc;
}

// (arg & mask) == value, with the mask in the upper 32 bits of `packed` and the value in the
// lower (syscall_rules::ArgTest::arg1_masked_equal).
int add_masked_equal(const Context& ctx, std::uint32_t action, int nr, unsigned arg,
                     std::uint64_t packed) {
  return seccomp_rule_add(
      ctx.get(), action, nr, 1,
      scmp_arg_cmp{arg, SCMP_CMP_MASKED_EQ, packed >> 32U, packed & 0xffffffffU});
}

int add_rule(const Context& ctx, const syscall_rules::Rule& rule, int nr, const ExecToken& token) {
  const auto action = action_of(rule);
  switch (rule.test) {
    case syscall_rules::ArgTest::always:
      return seccomp_rule_add(ctx.get(), action, nr, 0);
    case syscall_rules::ArgTest::arg0_not_equal:
      return seccomp_rule_add(ctx.get(), action, nr, 1,
                              scmp_arg_cmp{0, SCMP_CMP_NE, rule.value, 0});
    case syscall_rules::ArgTest::arg0_bits_clear:
      return seccomp_rule_add(ctx.get(), action, nr, 1,
                              scmp_arg_cmp{0, SCMP_CMP_MASKED_EQ, rule.value, 0});
    case syscall_rules::ArgTest::arg2_bits_set:
      return seccomp_rule_add(ctx.get(), action, nr, 1,
                              scmp_arg_cmp{2, SCMP_CMP_MASKED_EQ, rule.value, rule.value});
    case syscall_rules::ArgTest::arg1_masked_equal:
      return add_masked_equal(ctx, action, nr, 1, rule.value);
    case syscall_rules::ArgTest::arg2_masked_equal:
      return add_masked_equal(ctx, action, nr, 2, rule.value);
    case syscall_rules::ArgTest::arg0_not_in:
      return add_not_in(ctx, action, nr, 0, rule.value);
    case syscall_rules::ArgTest::arg2_not_in:
      return add_not_in(ctx, action, nr, 2, rule.value);
    case syscall_rules::ArgTest::arg1_type_not_in: {
      int rc = 0;
      for (std::uint64_t type = 0; rc == 0 && type < 16; ++type) {
        if ((rule.value & (1ULL << type)) != 0) continue;
        rc = seccomp_rule_add(ctx.get(), action, nr, 1,
                              scmp_arg_cmp{1, SCMP_CMP_MASKED_EQ, 0xfU, type});
      }
      return rc;
    }
    case syscall_rules::ArgTest::arg1_arg2_equal:
      // The kernel reads level and option as ints: compare the low 32 bits only, or a caller
      // could set the upper bits and slip past.
      return seccomp_rule_add(
          ctx.get(), action, nr, 2,
          scmp_arg_cmp{1, SCMP_CMP_MASKED_EQ, 0xffffffffU, rule.value >> 32U},
          scmp_arg_cmp{2, SCMP_CMP_MASKED_EQ, 0xffffffffU, rule.value & 0xffffffffU});
    case syscall_rules::ArgTest::arg4_not_zero:
      return seccomp_rule_add(ctx.get(), action, nr, 1, scmp_arg_cmp{4, SCMP_CMP_NE, 0, 0});
    case syscall_rules::ArgTest::not_exec_token:
      // Two rules, so that either half being wrong denies (conditions of one rule are ANDed).
      if (int rc = seccomp_rule_add(ctx.get(), action, nr, 1,
                                    scmp_arg_cmp{0, SCMP_CMP_NE, token.dirfd, 0});
          rc < 0) {
        return rc;
      }
      return seccomp_rule_add(ctx.get(), action, nr, 1,
                              scmp_arg_cmp{4, SCMP_CMP_NE, token.flags, 0});
  }
  return -EINVAL;
}

// Room for `size` bytes of exported BPF; an error when that is no whole program.
Result<Program> program_for(std::size_t size) {
  if (size == 0 || size % sizeof(sock_filter) != 0) {
    return Error{"seccomp: exported filter has an odd size"};
  }
  return Program(size / sizeof(sock_filter));
}

// libseccomp 2.5 exports BPF only to an fd. A pipe first (~7 us cheaper than a memfd, which
// is a shmem inode): it is non-blocking, so a program larger than the pipe fails instead of
// hanging, and the memfd below takes over. The write end is closed before reading, so the read
// end sees the end of the data, never EAGAIN.
std::optional<Result<Program>> export_through_pipe(const Context& ctx) {
  std::array<int, 2> ends{};
  if (pipe2(ends.data(), O_CLOEXEC | O_NONBLOCK) != 0) return std::nullopt;
  const Fd read_end(ends[0]);
  Fd write_end(ends[1]);
  if (seccomp_export_bpf(ctx.get(), write_end.get()) < 0) return std::nullopt;
  write_end.reset();
  // BPF_MAXINSNS instructions at most: 32 KiB.
  std::array<char, BPF_MAXINSNS * sizeof(sock_filter)> bytes;  // NOLINT: filled by read
  std::size_t size = 0;
  for (;;) {
    const ssize_t got = ::read(read_end.get(), bytes.data() + size, bytes.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return std::nullopt;
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
    if (size == bytes.size()) return std::nullopt;  // longer than BPF allows
  }
  auto program = program_for(size);
  if (program) std::memcpy(program.value().data(), bytes.data(), size);
  return program;
}

Result<Program> export_program(const Context& ctx) {
  if (auto piped = export_through_pipe(ctx)) return std::move(*piped);
  const Fd memfd(static_cast<int>(memfd_create("hermetic-bpf", MFD_CLOEXEC)));
  if (!memfd) return Error{std::string("seccomp: memfd_create: ") + std::strerror(errno)};
  if (int rc = seccomp_export_bpf(ctx.get(), memfd.get()); rc < 0) {
    return Error{"seccomp: cannot export the filter: " + describe(rc)};
  }
  const off_t size = lseek(memfd.get(), 0, SEEK_END);
  auto program = program_for(size < 0 ? 0 : static_cast<std::size_t>(size));
  if (!program) return program;
  if (pread(memfd.get(), program.value().data(), static_cast<std::size_t>(size), 0) != size) {
    return Error{"seccomp: cannot read back the exported filter"};
  }
  return program;
}

}  // namespace

Result<ExecToken> ExecToken::generate() {
  for (;;) {
    std::array<std::uint32_t, 2> secret{};
    if (getrandom(secret.data(), sizeof secret, 0) != static_cast<ssize_t>(sizeof secret)) {
      return Error{std::string("getrandom (for the exec token): ") + std::strerror(errno)};
    }
    // All-zero and all-one high halves are what ordinary callers pass (sign extension).
    const auto ordinary = [](std::uint32_t half) { return half == 0 || half == ~0U; };
    if (ordinary(secret[0]) || ordinary(secret[1])) continue;
    return ExecToken{(std::uint64_t{secret[0]} << 32) | static_cast<std::uint32_t>(AT_FDCWD),
                     std::uint64_t{secret[1]} << 32};
  }
}

void assume_kernel_api(bool user_notif) {
  // libseccomp's API levels: 3 adds KILL_PROCESS (and the TSYNC and LOG flags, which hermetic
  // does not ask libseccomp to use), 5 adds NOTIFY and NEW_LISTENER.
  (void)seccomp_api_set(user_notif ? 5U : 3U);
}

Result<Program> compile(const std::vector<syscall_rules::Rule>& rules, const ExecToken& token,
                        std::uint32_t arch) {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return Error{"seccomp: cannot create a filter context"};
  // Another architecture: libseccomp takes each rule's number in the native table and
  // translates it by name into that architecture's, where a syscall it lacks is left out.
  if (arch != SCMP_ARCH_NATIVE && arch != seccomp_arch_native()) {
    if (seccomp_arch_add(ctx.get(), arch) < 0 ||
        seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE) < 0) {
      return Error{"seccomp: cannot compile for architecture " + std::to_string(arch)};
    }
  }

  // Only the native ABI is in the filter; libseccomp applies the bad-arch action to every other
  // one, and to x32 numbers on x86_64. Kill the whole process, not just the thread.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
      rc < 0) {
    return Error{"seccomp: cannot set the foreign-ABI action: " + describe(rc)};
  }
  // Syscalls in a binary tree rather than a chain: when the filter is installed, the kernel
  // runs it for every syscall number to find those it always allows (the action cache), and a
  // tree answers each in a few jumps (36-66 instructions: 34 -> 32 us and 51 -> 39 us to
  // install).
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0) {
    return Error{"seccomp: cannot ask for a binary tree: " + describe(rc)};
  }
  for (const auto& rule : rules) {
    const std::string name(rule.syscall);
    int nr = seccomp_syscall_resolve_name(name.c_str());
    // Negative results other than the error are libseccomp's markers for a syscall this
    // architecture lacks; it skips those itself.
    if (nr == __NR_SCMP_ERROR && rule.number_if_unknown >= 0) nr = rule.number_if_unknown;
    if (nr == __NR_SCMP_ERROR) return Error{"seccomp: unknown syscall " + name};
    if (int rc = add_rule(ctx, rule, nr, token); rc < 0) {
      return Error{"seccomp: cannot add the rule for " + name + ": " + describe(rc)};
    }
  }
  return export_program(ctx);
}

int install(const Program& program, bool all_threads, int* listener) noexcept {
  const sock_fprog fprog{static_cast<unsigned short>(program.size()),
                         const_cast<sock_filter*>(program.data())};  // NOLINT: kernel API
  unsigned long flags = all_threads ? SECCOMP_FILTER_FLAG_TSYNC : 0UL;
  if (listener != nullptr) {
    // WAIT_KILLABLE_RECV: once the supervisor holds a call, only a fatal signal interrupts the
    // caller, so a handled signal cannot make a connect the supervisor already made restart.
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | kWaitKillableRecv;
  }
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (rc < 0 && errno == EINVAL && listener != nullptr) {
    // Kernels before 5.19 lack WAIT_KILLABLE_RECV; notification still works without it.
    rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags & ~kWaitKillableRecv, &fprog);
  }
  if (rc < 0) return errno;
  if (listener != nullptr) {
    *listener = static_cast<int>(rc);
    return 0;
  }
  if (rc == 0) return 0;
  // With TSYNC a positive result is the id of a thread that could not be synchronised.
  return ESRCH;
}

}  // namespace hermetic::seccomp_filter
