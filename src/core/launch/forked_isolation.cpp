#include "launch/forked_isolation.hpp"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "hermetic/launch.hpp"
#include "hermetic/probe.hpp"
#include "launch/name_pins.hpp"
#include "launch/run_plan.hpp"
#include "target/exec_allow.hpp"

namespace hermetic::forked_isolation {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

std::string path_env() {
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : kDefaultPath;
}

}  // namespace

bool listener_available() {
  const pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) {
    // Only raw syscalls here: this process may have had threads.
    std::array<sock_filter, 1> allow{sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW}};
    const sock_fprog program{static_cast<unsigned short>(allow.size()), allow.data()};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(1);
    const long fd =
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
    _exit(fd < 0 ? 1 : 0);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

namespace {

struct Planned {
  KernelPlan plan;
  fs_layers::Inputs fs;
};

// As apply_to_self plans: no TMPDIR of its own (the caller's places are in allow_write), no exec
// but the allowed programs; what the child reads follows the running interpreter. The
// supervisor's refusal lines are the test's to show: no rows are added for --trace.
Result<Planned> plan_for(const Policy& policy, const KernelFeatures& features,
                         const std::vector<exec_allow::Grant>& exec_allowed) {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  auto fs = gather_fs_inputs(policy, self, {}, exec_allowed, "", features.landlock_abi, path_env());
  if (!fs) return fs.error();
  Policy kernel_policy = policy;
  kernel_policy.trace = false;
  KernelPlan plan = plan_kernel_layer(kernel_policy, /*exec_files=*/{}, exec_allowed, fs.value(),
                                      features, syscall_rules::Supervision::available);
  return Planned{std::move(plan), std::move(fs).value()};
}

}  // namespace

Result<std::shared_ptr<const Prepared>> Prepared::prepare(const Policy& policy) {
  const KernelFeatures features = probe_kernel_for(policy);
  if (auto enforceable = check_enforceable(policy, features); !enforceable) {
    return enforceable.error();
  }
  std::vector<exec_allow::Grant> exec_allowed;
  if (policy.block_subprocess && !policy.allow_exec.empty()) {
    auto allowed = exec_allow::resolve(policy.allow_exec, path_env(), {});
    if (!allowed) return allowed.error();
    exec_allowed = std::move(allowed).value();
  }
  auto planned = plan_for(policy, features, exec_allowed);
  if (!planned) return planned.error();
  auto kernel = PreparedKernelLayer::prepare(planned.value().plan, features);
  if (!kernel) return kernel.error();
  // The allowed names' addresses, looked up once here (a child that looks them up itself gets
  // the same answers from the same resolver; no hosts file is laid over the child's).
  auto names =
      name_pins::plan(policy, name_pins::names_given(policy) ? name_pins::machine_hosts() : "");
  if (!names) return names.error();
  supervisor::Config config{kernel.value().seccomp_rules(),
                            name_pins::address_rules(policy, names.value()), policy.fs_readonly,
                            // gather_fs_inputs made them canonical, as the metadata calls need.
                            supervisor::metadata::WritablePlaces(planned.value().fs.allow_write),
                            /*trace=*/true,  // a line per refusal, without the CLI's flag hints
                            /*report_path=*/{},
                            // No --report here: the supervisor judges no Landlock layers.
                            /*landlock_layers=*/{},
                            /*landlock_abi=*/features.landlock_abi,
                            /*log_fd=*/-1};  // until supervisor_config() names the test's pipe
  // make_shared cannot reach the private constructor.
  return std::shared_ptr<const Prepared>(new Prepared(  // NOLINT(cppcoreguidelines-owning-memory)
      std::move(kernel).value(), std::move(config), policy, features, std::move(exec_allowed)));
}

Result<std::shared_ptr<const Prepared>> Prepared::with_writable(
    const std::vector<std::string>& extra) const {
  Policy policy = policy_;
  policy.allow_write.insert(policy.allow_write.end(), extra.begin(), extra.end());
  // allow_write changes no seccomp rule (rules_for reads switches only): the filter is reused.
  auto planned = plan_for(policy, features_, exec_allowed_);
  if (!planned) return planned.error();
  auto kernel = PreparedKernelLayer::prepare_landlock(planned.value().plan, features_, kernel_);
  if (!kernel) return kernel.error();
  supervisor::Config config = config_;
  config.writable = supervisor::metadata::WritablePlaces(planned.value().fs.allow_write);
  return std::shared_ptr<const Prepared>(new Prepared(  // NOLINT(cppcoreguidelines-owning-memory)
      std::move(kernel).value(), std::move(config), std::move(policy), features_, exec_allowed_));
}

supervisor::Config Prepared::supervisor_config(int log_fd) const {
  supervisor::Config config = config_;
  config.log_fd = log_fd;
  return config;
}

Result<std::unique_ptr<Supervision>> Supervision::start(Fd listener, supervisor::Config config,
                                                        pid_t child) {
  std::unique_ptr<Supervision> out(new Supervision());  // NOLINT: private constructor
  out->listener_ = listener.get();
  const long pidfd = syscall(SYS_pidfd_open, child, 0U);
  if (pidfd < 0) return Error{std::string("pidfd_open: ") + std::strerror(errno)};
  out->pidfd_.reset(static_cast<int>(pidfd));
  out->wake_.reset(eventfd(0, EFD_CLOEXEC));
  if (!out->wake_) return Error{std::string("eventfd: ") + std::strerror(errno)};
  auto started = supervisor::Supervisor::start(std::move(listener), std::move(config));
  if (!started) return started.error();
  out->supervisor_ = std::move(started).value();
  try {
    out->waiter_ = std::thread([raw = out.get()] { raw->wait_for_first_call(); });
  } catch (const std::system_error&) {
    return Error{"supervisor: cannot start a thread"};
  }
  return out;
}

void Supervision::wait_for_first_call() {
  // Signals are the main thread's (Python runs its handlers there).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::array<pollfd, 3> fds{pollfd{listener_, POLLIN, 0}, pollfd{pidfd_.get(), POLLIN, 0},
                            pollfd{wake_.get(), POLLIN, 0}};
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    // The child has exited, or the parent is done with it, or nobody uses the filter: no call
    // waits for an answer.
    if (fds[1].revents != 0 || fds[2].revents != 0 || (fds[0].revents & POLLIN) == 0) return;
    break;
  }
  // A call is waiting: the pool starts and serves it (and every later one) at once. If no thread
  // can start, the child's calls are never answered: end it (fail closed).
  if (!supervisor_->serve_from_first_call(pidfd_.get())) {
    (void)syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0U);
  }
}

Supervision::~Supervision() {
  if (wake_) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_.get(), &one, sizeof one);
  }
  if (waiter_.joinable()) waiter_.join();
  supervisor_.reset();  // stops and joins the pool
}

Result<std::unique_ptr<Handoff>> Handoff::open(std::shared_ptr<const Prepared> prep) {
  std::unique_ptr<Handoff> out(new Handoff(std::move(prep)));  // NOLINT: private constructor
  if (out->prepared_->needs_supervisor()) {
    if (auto opened = out->channel_.open(); !opened) return opened.error();
  }
  return out;
}

int Handoff::child_enter(const char** step) noexcept {
  const bool supervised = prepared_->needs_supervisor();
  if (supervised) channel_.child_side();
  int listener = -1;
  // One thread (right after fork): the calling thread is the process.
  const int err =
      prepared_->kernel().apply(/*all_threads=*/false, step, supervised ? &listener : nullptr);
  if (err != 0) {
    if (supervised) channel_.child_give_up();
    return err;
  }
  if (!supervised) return 0;
  // The child must not keep its own listener (it could answer its own calls): closed once the
  // parent holds its copy.
  if (const int handed = channel_.child_hand_over(listener); handed != 0) {
    *step = "handing the seccomp listener to the supervisor";
    return handed;
  }
  return 0;
}

Result<std::unique_ptr<Supervision>> Handoff::parent_supervise(pid_t child, int log_fd) {
  if (!prepared_->needs_supervisor()) return std::unique_ptr<Supervision>();
  channel_.parent_side();
  auto listener = channel_.parent_take(child);
  if (!listener) return listener.error();
  if (!listener.value()) return std::unique_ptr<Supervision>();  // the child failed first
  auto supervision =
      Supervision::start(std::move(listener).value(), prepared_->supervisor_config(log_fd), child);
  if (!supervision) return supervision.error();
  if (auto go = channel_.parent_go(); !go) return go.error();
  return supervision;
}

}  // namespace hermetic::forked_isolation
