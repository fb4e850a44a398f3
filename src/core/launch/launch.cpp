// The launch sequence. Its order is security-relevant, so it reads as one checklist, in
// launch_steps::prepare (1-3), exec_in_place (4) and serve_as_waiting_parent (5); the hermetic
// executable runs them all in its own process (launch_cli::run), the library's spawn() forks a
// monitor for step 5 and never does step 4 (spawn.cpp):
//   1. refuse what this build or kernel cannot enforce (fail closed), and inherited sockets the
//      policy cannot hold
//   2. create the run's private TMPDIR and the hosts file of --resolve/--allow-domain; plan:
//      resolve the target and the files it will exec, compute every rule (run_plan, shared
//      with --explain)
//   3. prepare every kernel rule (allocations, path opens, BPF compile) and the target's
//      environment before fork
//   4. with nothing left to do after exec but removing the TMPDIR (handed to a detached
//      cleaner): apply the kernel layer here and become the target
//   5. otherwise start a child (sharing the descriptor table, vfork-like); the child ties itself
//      to hermetic's life, applies the hosts overlay, starts the TMPDIR's cleaner, applies the
//      kernel layer (a supervised filter's listener lands in the shared table) and execs the
//      target; the parent (the run's subreaper) adopts the listener for the supervisor (whose
//      threads start at the first notification), forwards signals, waits, kills what the target
//      left running, removes the run's files, and exits as the target did (the executable; the
//      library's monitor the same)
#include "hermetic/launch.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#include "base/fd.hpp"
#include "hermetic/probe.hpp"
#include "hermetic/real_path.hpp"
#include "hermetic/report_event.hpp"
#include "launch/environment.hpp"
#include "launch/hosts_overlay.hpp"
#include "launch/inherited_sockets.hpp"
#include "launch/kernel_layer.hpp"
#include "launch/launch_steps.hpp"
#include "launch/name_pins.hpp"
#include "launch/private_tmpdir.hpp"
#include "launch/report_file.hpp"
#include "launch/run_plan.hpp"
#include "launch/signal_relay.hpp"
#include "launch/tmpdir_cleaner.hpp"
#include "seccomp/seccomp_filter.hpp"
#include "seccomp/syscall_rules.hpp"
#include "supervisor/supervisor.hpp"
#include "target/inprocess_injection.hpp"
#include "target/target.hpp"

namespace hermetic {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

std::string current_path_env() {
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : kDefaultPath;
}

// The value of `name` in a NAME=VALUE list (spawn's environment), as getenv finds it there.
std::optional<std::string> variable_in(const std::vector<std::string>& environment,
                                       std::string_view name) {
  for (const auto& entry : environment) {
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

// execve's NULL-terminated array over strings that outlive it.
std::vector<char*> c_string_array(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));  // NOLINT: execve
  out.push_back(nullptr);
  return out;
}

// What the child reports through the CLOEXEC pipe: the TMPDIR's cleaner it started, the seccomp
// listener it made, and, when it fails before exec, the exit code and the step's name. A
// successful exec closes the pipe.
struct ChildReport {
  enum class Kind : int { cleaner, listener, failure };
  Kind kind;
  pid_t cleaner;  // Kind::cleaner
  // In the descriptor table the child shares with hermetic (spawn_sharing_files), left there for
  // hermetic: Kind::cleaner, the end of the cleaner's pipe that the child's exec was to close;
  // Kind::listener, the listener.
  int fd;
  int exit_code;  // Kind::failure
  int error_number;
  std::array<char, 96> step;
};

void child_report(int report_fd, const ChildReport& report) {
  // Best effort: if the parent is gone nobody is left to tell.
  [[maybe_unused]] const auto written = ::write(report_fd, &report, sizeof report);
}

[[noreturn]] void child_fail(int report_fd, int exit_code, int error_number, const char* step) {
  ChildReport failure{ChildReport::Kind::failure, -1, -1, exit_code, error_number, {}};
  std::strncpy(failure.step.data(), step, failure.step.size() - 1);
  child_report(report_fd, failure);
  _exit(exit_code);
}

// What the child needs beyond the kernel layer; null members are not used by this policy.
struct ChildExtras {
  const hosts_overlay::Overlay* hosts = nullptr;
  bool supervised = false;              // its filter has a listener, for hermetic's supervisor
  const std::string* tmpdir = nullptr;  // removed by a cleaner this child starts
  pid_t parent = 0;
  bool shares_memory = false;  // cloned by spawn_sharing_memory, else by spawn_sharing_files
};

// Runs in the child: only async-signal-safe calls from here to execve. Descriptors it opens land
// in hermetic's table too (CLONE_FILES), and those it closes leave it: it closes only its own.
[[noreturn]] void child_main(const PreparedKernelLayer& kernel, const target::Resolved& target,
                             char* const* argv, char* const* envp, int report_fd,
                             ChildExtras extras) {
  if (!extras.shares_memory) signal_relay::restore_defaults_in_child();
  // The target dies with this hermetic: a waiting parent that is killed (SIGKILL, which it
  // cannot relay) must not leave the target running without its supervisor, as a hermetic
  // that became the target would not.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    child_fail(report_fd, exit_code::kError, errno, "tying the target to hermetic's life");
  }
  if (getppid() != extras.parent) _exit(exit_code::kError);  // hermetic is already gone
  const char* step = "";
  // Mounts first: Landlock forbids changing mounts once applied.
  if (extras.hosts != nullptr) {
    // Its user namespace's uid_map is written through /proc/self, which an undumpable process
    // (hermetic made itself one before the spawn) cannot; the cleaner makes it undumpable again.
    (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (int err = extras.hosts->apply(&step); err != 0) {
      child_fail(report_fd, exit_code::kError, err, step);
    }
  }
  // The TMPDIR goes when the target has exited, however this hermetic ends: a detached cleaner,
  // started here (this child is about to become the target; after the hosts file, which writes
  // this process's uid_map: the cleaner makes it undumpable) as an in-place run starts it. Only
  // from a child with memory of its own: a cleaner shares the memory of the process that starts
  // it, which must be gone (exec'd) before the cleaner uses it.
  if (extras.tmpdir != nullptr) {
    // The cleaner keeps this memory after the exec; a scrubbed environment was wiped from it
    // before the spawn. It watches hermetic, not this process: hermetic exits once the target has
    // and what the target left running is gone (end_leftovers), so nothing writes there any more.
    int launcher_end = -1;
    const pid_t cleaner = tmpdir_cleaner::start(*extras.tmpdir, extras.parent, &launcher_end);
    if (cleaner < 0) {
      child_fail(report_fd, exit_code::kError, EAGAIN, "starting the TMPDIR's cleaner");
    }
    child_report(report_fd, {ChildReport::Kind::cleaner, cleaner, launcher_end, 0, 0, {}});
  }
  // The listener lands in the table this child shares with hermetic: no handoff. The exec
  // closes the target's copy (the kernel unshares the table first, then closes O_CLOEXEC
  // descriptors), hermetic's stays. Hermetic learns its number here and adopts it once this
  // child has left (vfork): it must not be closed here.
  int listener = -1;
  if (int err = kernel.apply(/*all_threads=*/false, &step, extras.supervised ? &listener : nullptr);
      err != 0) {
    child_fail(report_fd, exit_code::kError, err, step);
  }
  if (extras.supervised)
    child_report(report_fd, {ChildReport::Kind::listener, -1, listener, 0, 0, {}});
  if (extras.shares_memory) signal_relay::restore_defaults_in_shared_child();
  const int err = kernel.exec(target.exec_path.c_str(), argv, envp);
  child_fail(report_fd, err == ENOENT ? exit_code::kNotFound : exit_code::kNotExecutable, err,
             "execve");
}

// child_main's arguments through clone().
struct ChildStart {
  const PreparedKernelLayer* kernel;
  const target::Resolved* target;
  char* const* argv;
  char* const* envp;
  int report_fd;
  ChildExtras extras;
};

int cloned_child_main(void* arg) {
  const auto* start = static_cast<const ChildStart*>(arg);
  child_main(*start->kernel, *start->target, start->argv, start->envp, start->report_fd,
             start->extras);
}

// The child of step 5 as posix_spawn makes one: clone(CLONE_VM | CLONE_VFORK). No page tables
// to copy, no copy-on-write faults afterwards, and this process sleeps until the child has
// exec'd or failed. Only for a child that needs nothing from this process before its exec (no
// supervisor handoff) and makes no namespace (unshare(CLONE_NEWUSER) refuses a shared address
// space). The child runs on a stack in this frame, which cannot return before it is done, with
// every signal blocked until just before exec: no handler runs in the memory it shares.
pid_t spawn_sharing_memory(ChildStart start) {
  constexpr std::size_t kStackSize = std::size_t{64} * 1024;
  alignas(16) std::array<char, kStackSize> stack;  // NOLINT: uninitialised on purpose
  const signal_relay::BlockAll blocked;
  start.extras.shares_memory = true;
  start.extras.tmpdir = nullptr;  // no cleaner from shared memory: this process removes it
  const pid_t child = clone(&cloned_child_main, stack.data() + stack.size(),
                            CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
#ifdef __SANITIZE_ADDRESS__
  // The child ran instrumented code on this array, in this memory: the redzones of its frames
  // are still marked in the shared shadow, where this process's later frames would trip on them.
  __asan_unpoison_memory_region(stack.data(), stack.size());
#endif
  return child;
}

// The child of step 5 when it needs more than spawn_sharing_memory allows (a TMPDIR's cleaner,
// which must have memory of its own; a namespace for the hosts file; a seccomp listener for the
// supervisor): clone(CLONE_FILES | CLONE_VFORK), memory of its own (copy-on-write, as fork),
// the descriptor table shared. The listener the child's filter makes is then in this process's
// table already: no round trip through pipes and pidfd_getfd while the child waits, no "go".
// CLONE_VFORK: this process sleeps until the child has exec'd or failed, so nothing else uses
// the shared table meanwhile, and the child's memory is released before the cleaner uses it.
pid_t spawn_sharing_files(ChildStart start) {
  // Mapped rather than on this stack, which may be a small thread stack in the library's monitor
  // (a fork of the caller's thread); only the pages the child touches are ever allocated, in its
  // copy of the memory.
  constexpr std::size_t kStackSize = std::size_t{256} * 1024;
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) return -1;
  start.extras.shares_memory = false;
  const pid_t child = clone(&cloned_child_main, static_cast<char*>(stack) + kStackSize,
                            CLONE_FILES | CLONE_VFORK | SIGCHLD, &start);
  const int saved = errno;
  (void)munmap(stack, kStackSize);  // the child has exec'd or exited: its copy is gone
  errno = saved;
  return child;
}

// The children of this process other than `keep`: what the target forked and left behind,
// which became this process's children (PR_SET_CHILD_SUBREAPER) when their parents died.
std::vector<pid_t> children_except(pid_t keep) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream list(task.path() / "children");
    pid_t pid = 0;
    while (list >> pid) {
      if (pid != keep) out.push_back(pid);
    }
  }
  return out;
}

// Nothing a run starts outlives it: once the target has exited, every process it left running
// is killed and reaped (their own orphans come to this process in turn, until none is left). The
// TMPDIR's cleaner, `keep`, stays: it removes the TMPDIR once this process has exited.
void end_leftovers(pid_t keep) {
  for (auto left = children_except(keep); !left.empty(); left = children_except(keep)) {
    for (const pid_t pid : left) (void)::kill(pid, SIGKILL);
    // Unreaped, a child's pid cannot be reused: each kill reached the process listed.
    for (const pid_t pid : left) {
      while (waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
      }
    }
  }
}

// Exit status as the caller would have seen it without hermetic: the same code, or death by the
// same signal.
int mirror_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    // The target already dumped core if it was going to; do not dump hermetic as well.
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal_relay::die_by(sig);
    return 128 + sig;  // only if the signal could not kill us
  }
  return exit_code::kError;
}

// A hermetic process that outlives the target's exec (this waiting parent; the TMPDIR cleaner
// does the same) holds what the target must not have: the exec token, the environment
// --no-environment took away. Undumpable, a signal from the target leaves no core file to read
// them from, and its /proc files become root's, out of reach of a target of its user.
// (RLIMIT_CORE goes to 0 too, once the child has its own limits.)
void make_undumpable() { (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

// Where --fs-readonly's metadata calls may change things: the private TMPDIR and the
// --allow-write paths, canonical as gather_fs_inputs made them (the places Landlock lets the
// target write; not /dev/null, the terminal or inherited stdio files, whose modes no tool needs
// to change).
supervisor::metadata::WritablePlaces writable_places(const fs_layers::Inputs& fs) {
  std::vector<std::string> roots = fs.allow_write;
  if (!fs.private_tmpdir.empty()) {
    std::error_code ec;  // the TMPDIR's parent may be reached through a symlink (/tmp)
    const std::string tmpdir = real_path(fs.private_tmpdir, ec);
    roots.push_back(ec ? fs.private_tmpdir : tmpdir);
  }
  return supervisor::metadata::WritablePlaces(std::move(roots));
}

// The supervisor of the child's listener (adopted from the table they shared).
Result<std::unique_ptr<supervisor::Supervisor>> start_supervisor(
    Fd listener, const PreparedKernelLayer& kernel, const Policy& policy,
    const name_pins::Plan& names, const RunPlan& plan, const std::string& report_path) {
  supervisor::Config config{kernel.seccomp_rules(),
                            name_pins::address_rules(policy, names),
                            policy.fs_readonly,
                            writable_places(plan.fs),
                            policy.trace,
                            report_path,
                            {},
                            plan.fs.landlock_abi};
  // What Landlock decides is judged against the layers it was built from (--report only).
  const auto& rules = config.rules;
  if (std::any_of(rules.begin(), rules.end(), [](const syscall_rules::Rule& rule) {
        return rule.action == syscall_rules::Action::landlock_reported;
      })) {
    config.landlock_layers = plan.kernel.landlock_layers;
  }
  return supervisor::Supervisor::start(std::move(listener), std::move(config));
}

// Whether hermetic must outlive the exec to serve the run: a supervisor to answer the kernel, or
// a hosts file to unmount and remove. Without such a duty it execs the target in place: one
// process less, and exit status, signals and the terminal are the target's own. (A private
// TMPDIR alone is left to a detached cleaner, when the kernel can start one.)
bool needs_waiting_parent(const PreparedKernelLayer& kernel, bool hosts_overlay) {
  return kernel.needs_supervisor() || hosts_overlay;
}

[[noreturn]] void exec_in_place(const PreparedKernelLayer& kernel, const target::Resolved& target,
                                char* const* argv, char* const* envp) {
  const char* step = "";
  if (int err = kernel.apply(/*all_threads=*/false, &step); err != 0) {
    (void)std::fprintf(stderr, "hermetic: error: cannot apply the sandbox: %s: %s\n", step,
                       std::strerror(err));
    std::_Exit(exit_code::kError);
  }
  signal_relay::restore_ignored_sigchld();
  const int err = kernel.exec(target.exec_path.c_str(), argv, envp);
  (void)std::fprintf(stderr, "hermetic: error: cannot run %s: %s\n", target.exec_path.c_str(),
                     std::strerror(err));
  std::_Exit(err == ENOENT ? exit_code::kNotFound : exit_code::kNotExecutable);
}

}  // namespace

Status check_enforceable(const Policy& policy) {
  return check_enforceable(policy, probe_kernel_for(policy));
}

Status check_enforceable(const Policy& policy, const KernelFeatures& features) {
  // Landlock ABIs are checked where each layer is built (it names the layer); here what the
  // address exceptions need from seccomp.
  if (!policy.has_network_exceptions()) return Ok{};
  if (!features.seccomp_user_notif) {
    return Error{
        "--allow-localhost, --allow-domain and --allow-connect need seccomp user notification "
        "(Linux 5.0), which this kernel lacks"};
  }
  if (!features.pidfd_getfd) {
    return Error{
        "--allow-localhost and --allow-domain need pidfd_getfd (Linux 5.6), which this "
        "kernel lacks"};
  }
  return Ok{};
}

namespace launch_steps {

Result<std::unique_ptr<PreparedRun>> prepare(const Policy& policy,
                                             const std::vector<std::string>& argv,
                                             const std::vector<std::string>* environment,
                                             const std::string& report_path) {
  auto run = std::make_unique<PreparedRun>();
  run->policy = policy;
  run->report_path = report_path;
  // 1. Fail closed on anything that cannot be enforced.
  const KernelFeatures features = probe_kernel_for(policy, !report_path.empty());
  if (auto enforceable = check_enforceable(policy, features); !enforceable) {
    return enforceable.error();
  }
  if (auto sockets = inherited_sockets::check(policy); !sockets) {
    report_file::refused_before_start(
        report_path,
        {.capability = "network",
         .operation = "inherit",
         .flag = "--no-network",
         .program = argv.empty() ? std::string_view() : std::string_view(argv[0]),
         .name = sockets.error().message.substr(0, sockets.error().message.find(','))});
    return sockets.error();
  }

  // 2. The private TMPDIR and the hosts file (each removed on every path out of here), then
  //    the plan: the target, every file its exec will run, the rules (a read root grants the
  //    hosts file).
  const std::vector<std::string> base_env =
      environment != nullptr ? *environment : environment::current();
  const std::string path_env = environment != nullptr
                                   ? variable_in(*environment, "PATH").value_or(kDefaultPath)
                                   : current_path_env();
  if (policy.fs_readonly) {
    auto made = PrivateTmpdir::create(tmpdir_parent());
    if (!made) return made.error();
    run->tmpdir.emplace(std::move(made).value());
  }
  // /etc/hosts is read only when a hosts overlay can be needed (pins or allowed domains).
  const bool names_given = name_pins::names_given(policy);
  auto names = name_pins::plan(policy, names_given ? name_pins::machine_hosts() : std::string());
  if (!names) return names.error();
  run->names = std::move(names).value();
  if (!run->names.hosts.empty()) {
    auto overlay = hosts_overlay::Overlay::prepare(run->names.hosts);
    if (!overlay) return overlay.error();
    run->hosts.emplace(std::move(overlay).value());
  }
  auto plan = plan_run(policy, argv, features, path_env, run->tmpdir ? run->tmpdir->path() : "",
                       run->hosts ? run->hosts->file() : "", report_path);
  if (!plan) return plan.error();
  run->plan = std::move(plan).value();

  // 3. Everything that allocates or opens happens before fork.
  auto kernel = PreparedKernelLayer::prepare(run->plan.kernel, features);
  if (!kernel) return kernel.error();
  run->kernel.emplace(std::move(kernel).value());
  Policy injected =
      inprocess_injection::mirror_kernel_grants(policy, run->plan.kernel.landlock_layers);
  // The in-process layer matches programs against what the kernel grants: names found on PATH
  // now, real paths, the target's own programs (not the loaders granted for them).
  if (!run->plan.exec_allowed.empty()) {
    injected.allow_exec = exec_allow::listed_paths(run->plan.exec_allowed, run->plan.exec_files);
  }
  // The caller's own LD_PRELOAD follows hermetic's library only where it would pass the scrub.
  const std::optional<std::string> preload_env = environment::passes(policy, "LD_PRELOAD")
                                                     ? variable_in(base_env, "LD_PRELOAD")
                                                     : std::nullopt;
  auto injection = inprocess_injection::environment_for(injected, preload_env.value_or(""));
  if (!injection) return injection.error();
  std::vector<std::string> overrides = std::move(injection).value();
  for (const auto& [name, value] : run->plan.environment) overrides.push_back(name + "=" + value);
  // An override, so that --no-environment keeps it like hermetic's other variables.
  if (!report_path.empty()) {
    overrides.push_back(std::string(report::kReportPathVariable) + "=" + report_path);
    // The capabilities whose refusals the supervisor writes itself: the preloaded library then
    // leaves their lines to it (report_event.hpp).
    std::string supervised;
    for (const auto& rule : run->plan.kernel.seccomp_rules) {
      const bool reported = rule.action == syscall_rules::Action::deny_reported ||
                            rule.action == syscall_rules::Action::landlock_reported;
      const auto name = syscall_rules::capability_name(rule.capability);
      if (reported && (rule.capability == syscall_rules::Capability::network ||
                       rule.capability == syscall_rules::Capability::subprocess)) {
        if (supervised.find(name) == std::string::npos) {
          supervised += (supervised.empty() ? "" : " ") + std::string(name);
        }
      }
    }
    if (!supervised.empty()) {
      overrides.push_back(std::string(report::kSupervisorReportsVariable) + "=" + supervised);
    }
  }
  run->target_env = environment::for_target(policy, base_env, overrides);
  run->child_argv = c_string_array(run->plan.target.argv);
  run->child_envp = c_string_array(run->target_env);
  return run;
}

bool needs_waiting_parent(const PreparedRun& run) {
  return hermetic::needs_waiting_parent(*run.kernel, run.hosts.has_value());
}

void exec_in_place(PreparedRun& run) {
  // The cleaner shares this memory until the exec: a scrubbed environment is wiped from it
  // first, as a waiting parent wipes its own.
  if (run.tmpdir && run.policy.block_environment) environment::wipe_own_block();
  if (!run.tmpdir || tmpdir_cleaner::start(run.tmpdir->path()) > 0) {
    hermetic::exec_in_place(*run.kernel, run.plan.target, run.child_argv.data(),
                            run.child_envp.data());
  }
}

Result<int> serve_as_waiting_parent(PreparedRun& run, const std::function<void()>& reached_exec) {
  const Policy& policy = run.policy;
  const target::Resolved& target = run.plan.target;
  PreparedKernelLayer& kernel = *run.kernel;
  std::optional<hosts_overlay::Overlay>& hosts = run.hosts;
  std::optional<PrivateTmpdir>& tmpdir = run.tmpdir;
  const bool supervised = kernel.needs_supervisor();

  // 5. Start a child, with the relayed signals blocked so none arrives before the relay knows
  // the child, and wait.
  std::array<int, 2> report_pipe{};
  if (pipe2(report_pipe.data(), O_CLOEXEC) != 0) {
    return Error{std::string("pipe2: ") + std::strerror(errno)};
  }
  Fd report_read(report_pipe[0]);
  Fd report_write(report_pipe[1]);

  signal_relay::Relay relay;
  pid_t child = -1;
  // What the target leaves running becomes this process's child when its parent dies, so that
  // it ends with the run (end_leftovers).
  (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  // Before the spawn, which returns only once the target runs: from then on this process, which
  // stays, must not keep secrets readable (the exec token; the environment --no-environment
  // took away). The child gets a copy of the memory as it is now.
  if (policy.block_environment) environment::wipe_own_block();
  make_undumpable();
  // Both spawns return once the child has exec'd or failed (CLONE_VFORK).
  ChildStart start{&kernel,
                   &target,
                   run.child_argv.data(),
                   run.child_envp.data(),
                   report_write.get(),
                   {.hosts = hosts ? &*hosts : nullptr,
                    .supervised = supervised,
                    .tmpdir = tmpdir ? &tmpdir->path() : nullptr,
                    .parent = getpid()}};
  child = !hosts && !supervised ? spawn_sharing_memory(start) : spawn_sharing_files(start);
  if (child < 0) return Error{std::string("clone: ") + std::strerror(errno)};
  report_write.reset();
  const rlimit no_core{0, 0};
  (void)setrlimit(RLIMIT_CORE, &no_core);  // the child has its own limits by now
  relay.start(child);

  // Did the child reach exec? Then wait for it and exit as it did.
  pid_t cleaner = -1;
  Fd listener;
  std::optional<ChildReport> failure;
  for (;;) {
    ChildReport report{};
    const ssize_t got = ::read(report_read.get(), &report, sizeof report);
    if (got < 0 && errno == EINTR) continue;
    if (got != static_cast<ssize_t>(sizeof report)) break;  // end of file: exec'd, or gone
    if (report.kind == ChildReport::Kind::cleaner) {
      cleaner = report.cleaner;
      // The child has left its memory: the cleaner may use it from now on.
      const Fd launcher_end(report.fd);
    } else if (report.kind == ChildReport::Kind::listener) {
      listener.reset(report.fd);
    } else {
      failure = report;
    }
  }
  kernel.forget_exec_token();  // the child has exec'd or failed: nobody needs it now
  // The supervisor answers the target's calls from the listener on; until then they wait in the
  // kernel. Its threads start at the target's first supervised call, if it makes one; until then
  // this thread watches for it.
  Status served = Ok{};
  std::unique_ptr<supervisor::Supervisor> supervisor;
  if (listener && !failure) {
    auto started =
        start_supervisor(std::move(listener), kernel, policy, run.names, run.plan, run.report_path);
    if (started) {
      supervisor = std::move(started).value();
    } else {
      served = started.error();
    }
  }
  if (!failure && served) reached_exec();
  if (supervisor) {
    const long pidfd = syscall(SYS_pidfd_open, child, 0U);
    const Fd target_exit(static_cast<int>(pidfd));
    served = pidfd < 0 ? Status(Error{std::string("pidfd_open: ") + std::strerror(errno)})
                       : supervisor->serve_from_first_call(target_exit.get());
  }
  if (!served) ::kill(child, SIGKILL);  // its supervised calls would wait for an answer forever
  const int status = relay.wait_for_child();
  end_leftovers(cleaner);
  // The run's own files go before mirroring: dying by the target's signal skips destructors.
  hosts.reset();
  // The child's cleaner removes the TMPDIR once this process has exited.
  if (tmpdir && cleaner > 0) tmpdir->release();
  if (tmpdir) {
    const std::string tmp_path = tmpdir->path();
    if (!tmpdir->remove()) {
      (void)std::fprintf(stderr, "hermetic: warning: could not remove all of %s\n",
                         tmp_path.c_str());
    }
  }
  if (!served) return served.error();
  if (failure) {
    failure->step.back() = '\0';
    const std::string step(failure->step.data());
    if (step == "execve") {
      return Error{"cannot run " + target.exec_path + ": " + std::strerror(failure->error_number),
                   failure->exit_code};
    }
    return Error{"cannot apply the sandbox: " + step + ": " + std::strerror(failure->error_number)};
  }
  return status;
}

int mirror_status(int status) { return hermetic::mirror_status(status); }

}  // namespace launch_steps

namespace launch_cli {

Result<int> run(const Policy& policy, const std::vector<std::string>& argv,
                const std::string& report_path) {
  // Every wait below needs this process's children unreaped by the kernel.
  const signal_relay::OwnChildren own_children;
  auto prepared = launch_steps::prepare(policy, argv, /*environment=*/nullptr, report_path);
  if (!prepared) return prepared.error();
  launch_steps::PreparedRun& run = *prepared.value();
  // 4. Become the target, when nothing must outlive its exec.
  if (!launch_steps::needs_waiting_parent(run)) launch_steps::exec_in_place(run);
  // 5. Or wait for it, and exit as it did.
  auto status = launch_steps::serve_as_waiting_parent(run, [] {});
  if (!status) return status.error();
  return launch_steps::mirror_status(status.value());
}

}  // namespace launch_cli

Status deny_native_code_in_self() {
  auto program = seccomp_filter::compile(syscall_rules::native_code_rules(), {});
  if (!program) return program.error();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Error{std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno)};
  }
  if (int err = seccomp_filter::install(program.value(), /*all_threads=*/true); err != 0) {
    return Error{std::string("cannot deny executable memory: ") + std::strerror(err)};
  }
  return Ok{};
}

Status apply_to_self(const Policy& policy) {
  const KernelFeatures features = probe_kernel_for(policy);
  if (auto enforceable = check_enforceable(policy, features); !enforceable) {
    return enforceable.error();
  }
  // No TMPDIR (nobody would remove it) and no exec; reads follow the running executable.
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  std::vector<exec_allow::Grant> exec_allowed;
  if (policy.block_subprocess && !policy.allow_exec.empty()) {
    auto allowed = exec_allow::resolve(policy.allow_exec, current_path_env(), {});
    if (!allowed) return allowed.error();
    exec_allowed = std::move(allowed).value();
  }
  auto fs = gather_fs_inputs(policy, self, {}, exec_allowed, "", features.landlock_abi,
                             current_path_env());
  if (!fs) return fs.error();
  // No supervisor can serve the calling process from inside it (its own calls would be trapped
  // too): kernel-level blocks are refused without a log line (the in-process layer reports
  // Python's), and address allow-lists cannot be enforced here at all.
  Policy kernel_policy = policy;
  kernel_policy.trace = false;
  const KernelPlan plan =
      plan_kernel_layer(kernel_policy, /*exec_files=*/{}, exec_allowed, fs.value(), features,
                        syscall_rules::Supervision::unavailable);
  auto kernel = PreparedKernelLayer::prepare(plan, features);
  if (!kernel) return kernel.error();
  if (kernel.value().needs_supervisor()) {
    return Error{
        "--allow-localhost and --allow-domain need a supervisor outside the sandbox: use run() "
        "(or the CLI), not apply_to_self()"};
  }
  const char* step = "";
  if (int err = kernel.value().apply(/*all_threads=*/true, &step); err != 0) {
    return Error{std::string("cannot apply the sandbox: ") + step + ": " + std::strerror(err)};
  }
  return Ok{};
}

}  // namespace hermetic
