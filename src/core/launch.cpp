// The launch sequence. Its order is security-relevant, so it reads as one checklist in run():
//   1. refuse what this build or kernel cannot enforce (fail closed)
//   2. create the run's private TMPDIR; plan: resolve the target and the files it will exec,
//      compute every rule (run_plan, shared with --explain)
//   3. prepare every kernel rule (allocations, path opens, BPF compile) before fork
//   4. fork; the child applies the kernel layer and execs the target
//   5. the parent forwards signals, waits, removes the TMPDIR, and exits as the target did
#include "hermetic/launch.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "fd.hpp"
#include "hermetic/probe.hpp"
#include "kernel_layer.hpp"
#include "private_tmpdir.hpp"
#include "run_plan.hpp"
#include "signal_relay.hpp"
#include "target.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX global

namespace hermetic {
namespace {

std::string current_path_env() {
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
}

// What the child reports through the CLOEXEC pipe when it fails before exec: the exit code and
// the step's name. A successful exec closes the pipe with nothing written.
struct ChildFailure {
  int exit_code;
  int error_number;
  std::array<char, 96> step;
};

[[noreturn]] void child_fail(int report_fd, int exit_code, int error_number, const char* step) {
  ChildFailure failure{exit_code, error_number, {}};
  std::strncpy(failure.step.data(), step, failure.step.size() - 1);
  // Best effort: if the parent is gone nobody is left to tell.
  [[maybe_unused]] const auto written = ::write(report_fd, &failure, sizeof failure);
  _exit(exit_code);
}

// Runs in the forked child: only async-signal-safe calls from here to execve.
[[noreturn]] void child_main(const PreparedKernelLayer& kernel, const target::Resolved& target,
                             char* const* argv, char* const* envp, int report_fd) {
  signal_relay::restore_defaults_in_child();
  const char* step = "";
  if (int err = kernel.apply(/*all_threads=*/false, &step); err != 0) {
    child_fail(report_fd, exit_code::kError, err, step);
  }
  ::execve(target.exec_path.c_str(), argv, envp);
  const int err = errno;
  child_fail(report_fd, err == ENOENT ? exit_code::kNotFound : exit_code::kNotExecutable, err,
             "execve");
}

// The caller's environment with `overrides` replacing variables of the same name.
std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& [key, value] : overrides) replaced = replaced || name == key;
    if (!replaced) out.emplace_back(text);
  }
  for (const auto& [key, value] : overrides)
    out.push_back(std::string(key).append("=").append(value));
  return out;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
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

}  // namespace

Status check_enforceable(const Policy& policy) {
  // Capabilities whose enforcement lands in later work: refuse rather than pretend.
  struct Pending {
    bool requested;
    const char* flag;
  };
  const std::array pending{
      Pending{policy.allow_localhost, "--allow-localhost"},
      Pending{!policy.allow_domains.empty(), "--allow-domain"},
      Pending{!policy.resolve.empty(), "--resolve"},
      Pending{policy.block_environment, "--no-environment"},
      Pending{policy.block_code_exec, "--no-code-exec"},
      Pending{!policy.deny_imports.empty(), "--deny-import"},
      Pending{policy.block_native, "--block-native"},
      Pending{policy.block_interpreter_mutation, "--no-interpreter-mutation"},
      Pending{policy.trace, "--trace"},
      Pending{policy.sealed, "--seal"},
  };
  for (const auto& item : pending) {
    if (item.requested) {
      return Error{std::string(item.flag) + " is not enforced by this version of hermetic yet"};
    }
  }
  return Ok{};
}

Result<int> run(const Policy& policy, const std::vector<std::string>& argv) {
  // 1. Fail closed on anything that cannot be enforced.
  if (auto enforceable = check_enforceable(policy); !enforceable) return enforceable.error();
  const KernelFeatures features = probe_kernel();

  // 2. The private TMPDIR (removed on every path out of here), then the plan: the target, every
  //    file its exec will run, the rules.
  const std::string path_env = current_path_env();
  std::optional<PrivateTmpdir> tmpdir;
  if (policy.fs_readonly) {
    auto made = PrivateTmpdir::create(tmpdir_parent());
    if (!made) return made.error();
    tmpdir.emplace(std::move(made).value());
  }
  auto plan = plan_run(policy, argv, features, path_env, tmpdir ? tmpdir->path() : "");
  if (!plan) return plan.error();
  const target::Resolved& target = plan.value().target;

  // 3. Everything that allocates or opens happens before fork.
  auto kernel = PreparedKernelLayer::prepare(plan.value().kernel, features);
  if (!kernel) return kernel.error();
  std::vector<char*> child_argv = c_strings(target.argv);
  const std::vector<std::string> env_strings = environment_with(plan.value().environment);
  std::vector<char*> child_env = c_strings(env_strings);
  std::array<int, 2> report_pipe{};
  if (pipe2(report_pipe.data(), O_CLOEXEC) != 0) {
    return Error{std::string("pipe2: ") + std::strerror(errno)};
  }
  Fd report_read(report_pipe[0]);
  Fd report_write(report_pipe[1]);

  // 4. Fork with the relayed signals blocked, so none arrives before the relay knows the child.
  signal_relay::Relay relay;
  const pid_t child = fork();
  if (child < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  if (child == 0) {
    child_main(kernel.value(), target, child_argv.data(), child_env.data(), report_write.get());
  }
  report_write.reset();
  relay.start(child);

  // 5. Did the child reach exec? Then wait for it and exit as it did.
  ChildFailure failure{};
  ssize_t got = 0;
  do {
    got = ::read(report_read.get(), &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  const int status = relay.wait_for_child();
  // Before mirroring: dying by the target's signal would skip the destructor.
  if (tmpdir) {
    const std::string tmp_path = tmpdir->path();
    if (!tmpdir->remove()) {
      (void)std::fprintf(stderr, "hermetic: warning: could not remove all of %s\n",
                         tmp_path.c_str());
    }
  }
  if (got == static_cast<ssize_t>(sizeof failure)) {
    failure.step.back() = '\0';
    const std::string step(failure.step.data());
    if (step == "execve") {
      return Error{"cannot run " + target.exec_path + ": " + std::strerror(failure.error_number),
                   failure.exit_code};
    }
    return Error{"cannot apply the sandbox: " + step + ": " + std::strerror(failure.error_number)};
  }
  return mirror_status(status);
}

Status apply_to_self(const Policy& policy) {
  if (auto enforceable = check_enforceable(policy); !enforceable) return enforceable.error();
  const KernelFeatures features = probe_kernel();
  // No TMPDIR (nobody would remove it) and no exec; reads follow the running executable.
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  auto fs = gather_fs_inputs(policy, self, {}, "", features.landlock_abi, current_path_env());
  if (!fs) return fs.error();
  const KernelPlan plan = plan_kernel_layer(policy, /*exec_files=*/{}, fs.value(), features);
  auto kernel = PreparedKernelLayer::prepare(plan, features);
  if (!kernel) return kernel.error();
  const char* step = "";
  if (int err = kernel.value().apply(/*all_threads=*/true, &step); err != 0) {
    return Error{std::string("cannot apply the sandbox: ") + step + ": " + std::strerror(err)};
  }
  return Ok{};
}

}  // namespace hermetic
