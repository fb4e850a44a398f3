// The one table of syscalls the kernel layer denies, per capability. The seccomp filter, the
// unit tests, `--explain` and the `--trace` decoder all derive from it; a capability's syscalls
// are written down here and nowhere else.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "hermetic/policy.hpp"

namespace hermetic::syscall_rules {

enum class Capability {
  network,
  subprocess,
  fs_write,
  fs_read,
  native_code,  // --block-native: only ever applied to a running interpreter (see below)
  system,       // any kernel-layer policy: nothing that reaches past every sandbox
};

// Which calls of the syscall the rule matches.
enum class ArgTest {
  always,             // every call
  arg0_not_equal,     // arg0 != value          (socket: any family but AF_UNIX)
  arg0_bits_clear,    // (arg0 & value) == 0    (clone: without CLONE_THREAD)
  arg0_not_in,        // bit arg0 of value clear, or arg0 > 63 (socket: families off a list)
  arg4_not_zero,      // arg4 != 0              (sendto with a destination address)
  arg1_type_not_in,   // bit (arg1 & 0xf) of value clear (socket: types off a list; the low
                      // bits are the type, the rest SOCK_NONBLOCK/SOCK_CLOEXEC)
  arg2_not_in,        // as arg0_not_in, for arg2 (socket: protocols off a list)
  arg1_arg2_equal,    // (u32)arg1 == value >> 32 && (u32)arg2 == (u32)value (setsockopt: one
                      // level and option; the kernel reads ints, so only the low 32 bits count)
  not_exec_token,     // arg0/arg4 lack the launch's secret exec token (execveat: all but
                      // hermetic's own exec of the target; see seccomp_filter::ExecToken)
  arg2_bits_set,      // (arg2 & value) == value (mmap/mprotect: PROT_EXEC requested)
  arg1_masked_equal,  // (arg1 & value >> 32) == (u32)value (open: flags of a kind)
  arg2_masked_equal,  // (arg2 & value >> 32) == (u32)value (openat: flags of a kind)
};

// When a rule is part of the filter. Address exceptions (--allow-localhost, --allow-domain)
// swap the flat socket ban for a supervised one; an --allow-exec list lifts the process rows.
enum class When {
  always,             // whenever its capability is blocked
  without_addresses,  // --no-network with no address exceptions
  with_addresses,     // --no-network with --allow-localhost or --allow-domain
  supervised_calls,   // the calls that name an address, when the supervisor decides them: with
                      // address exceptions, or where it stands in for the abstract-unix scope
  without_programs,   // --no-subprocess with no --allow-exec list (with one, new processes are
                      // allowed and Landlock EXECUTE alone decides which programs run)
  with_programs,      // --no-subprocess with an --allow-exec list: what Landlock cannot see
  reporting,          // --report with a supervisor: calls Landlock decides, for their report lines
  reporting_with_programs,  // the same, with an --allow-exec list (Landlock EXECUTE decides)
};

// What the filter does with a matching call.
enum class Action {
  deny,       // fail with `error` in BPF; the supervisor never hears of it
  trace,      // the supervisor logs the call (--trace), then fails it with `error`
  supervise,  // the supervisor decides (on the address; on the object of a metadata call) and
              // performs allowed calls itself; denied calls fail with `error`
  // --report only (rules_for turns some deny rows into these, and adds the When::reporting rows):
  deny_reported,      // fails with `error` as `deny` does, answered by the supervisor, which first
                      // writes the refusal's report line (a static program's fork or exec)
  landlock_reported,  // the supervisor writes a report line when the run's Landlock layers will
                      // refuse the call, then lets the kernel run it: Landlock decides
};

struct Rule {
  Capability capability;
  std::string_view syscall;  // libseccomp name, resolved for the native ABI
  int error;                 // errno the call fails with; distinct per capability for --trace
  ArgTest test;
  std::uint64_t value;
  std::string_view why;  // for --explain and docs
  When when = When::always;
  Action action = Action::deny;  // rules_for() turns deny into trace under --trace
  // For syscalls newer than the libseccomp the build uses: the number, which is the same on
  // every architecture for syscalls added since Linux 5.1 (424 and up). -1: resolve by name.
  int number_if_unknown = -1;
};

[[nodiscard]] std::span<const Rule> all_rules();

// Whether a supervisor outside the sandbox will answer the filter's notifications: the launcher
// with a kernel that has user notification and pidfd_getfd. Not a process applying the layer to
// itself, which would trap its own calls.
enum class Supervision { unavailable, available };

// What keeps --no-network's abstract unix sockets inside the sandbox: Landlock's scope (ABI 6),
// or, below it, the supervisor, which then decides every connect and addressed send (an
// abstract destination is refused, in the sandbox too: nothing tells the two apart there).
enum class AbstractScope { landlock, supervisor };

// Whether the run writes a --report. With a supervisor, the refusals that BPF rows and Landlock
// make unseen then reach it too (Action::deny_reported, Action::landlock_reported), at the cost
// of a round trip to hermetic per such call; a run without --report pays nothing for them.
enum class Reporting { off, on };

// The rules a policy needs, in table order, with their actions for this policy. A syscall that
// an earlier rule already refuses outright (io_uring_setup: network and fs_write) is listed
// once. Without a supervisor the metadata rows of --fs-readonly refuse outright (EROFS, in the
// writable places too); address exceptions still ask for one (the caller refuses them).
[[nodiscard]] std::vector<Rule> rules_for(const Policy& policy,
                                          Supervision supervision = Supervision::unavailable,
                                          AbstractScope abstract_scope = AbstractScope::landlock,
                                          Reporting reporting = Reporting::off);

// The rows of --block-native: no new executable memory. Never part of rules_for(): the ELF
// loader maps the target's own code after exec, so these are installed from inside the target
// once it is up (hermetic::deny_native_code_in_self).
[[nodiscard]] std::vector<Rule> native_code_rules();

// True when some rule is answered by the supervisor (trace or supervise).
[[nodiscard]] bool needs_supervisor(const std::vector<Rule>& rules);

// Does a call with these arguments match the rule's ArgTest? (The supervisor's decoder.)
[[nodiscard]] bool matches(const Rule& rule, const std::array<std::uint64_t, 6>& args);

[[nodiscard]] std::string_view capability_name(Capability capability);

}  // namespace hermetic::syscall_rules
