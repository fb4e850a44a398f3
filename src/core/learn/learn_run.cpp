#include "learn/learn_run.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "hermetic/launch.hpp"
#include "hermetic/probe.hpp"
#include "launch/environment.hpp"
#include "launch/private_tmpdir.hpp"
#include "launch/signal_relay.hpp"
#include "seccomp/seccomp_filter.hpp"
#include "supervisor/listener_handoff.hpp"
#include "supervisor/observer.hpp"
#include "target/inprocess_injection.hpp"
#include "target/target.hpp"

namespace hermetic::learn {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The children of this process (the target's orphans come here: it is the subreaper).
std::vector<pid_t> children() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream list(task.path() / "children");
    pid_t pid = 0;
    while (list >> pid) out.push_back(pid);
  }
  return out;
}

// As an enforced run (launch.cpp's end_leftovers): nothing the run started outlives it.
void end_leftovers() {
  for (auto left = children(); !left.empty(); left = children()) {
    for (const pid_t pid : left) (void)::kill(pid, SIGKILL);
    for (const pid_t pid : left) {
      while (waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
      }
    }
  }
}

// The child: no_new_privs, the observing filter, the listener to hermetic, then the target.
// Async-signal-safe only; a failure exits 127 with nothing run (the parent sees no listener).
[[noreturn]] void child_main(const seccomp_filter::Program& program,
                             const listener_handoff::Channel& handoff, const char* path,
                             char* const* argv, char* const* envp, pid_t parent) {
  signal_relay::restore_defaults_in_child();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent)
    _exit(exit_code::kError);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(exit_code::kError);
  int listener = -1;
  if (seccomp_filter::install(program, /*all_threads=*/false, &listener) != 0) {
    _exit(exit_code::kError);
  }
  if (handoff.child_hand_over(listener) != 0) _exit(exit_code::kError);
  execve(path, argv, envp);
  _exit(errno == ENOENT ? exit_code::kNotFound : exit_code::kNotExecutable);
}

}  // namespace

Result<RunFacts> run(const std::vector<std::string>& argv, const std::string& report_path) {
  RunFacts facts;
  const KernelFeatures features = probe_kernel();
  if (!features.seccomp_user_notif || !features.pidfd_getfd) {
    return Error{"learn mode needs seccomp user notification and pidfd_getfd (Linux 5.6)"};
  }
  // The program an enforced run would exec, found as it finds it (env's NAME and pyenv shims
  // resolved here): learn observes the same processes the enforced run will have.
  const char* path_env = std::getenv("PATH");
  auto resolved = target::resolve(argv, path_env != nullptr ? path_env : "/usr/bin:/bin");
  if (!resolved) return resolved.error();
  facts.exec_path = resolved.value().exec_path;

  // The TMPDIR an enforced --fs-readonly run has: what the target writes there needs no grant.
  auto tmpdir = PrivateTmpdir::create(tmpdir_parent());
  if (!tmpdir) return tmpdir.error();
  facts.tmpdir = tmpdir.value().path();
  // Python targets get the in-process layer in learn mode (src/python/learn_view.hpp): what the
  // Python-only blocks would refuse goes to the same report.
  const char* preload = std::getenv("LD_PRELOAD");
  std::vector<std::string> overrides = inprocess_injection::environment_for_learn(
      preload != nullptr ? preload : "", std::filesystem::absolute(report_path).string());
  for (const char* key : {"TMPDIR=", "TMP=", "TEMP="}) overrides.push_back(key + facts.tmpdir);
  std::vector<std::string> env;
  for (const auto& entry : environment::current()) {
    const std::string name = entry.substr(0, entry.find('=') + 1);
    if (std::none_of(overrides.begin(), overrides.end(),
                     [&](const std::string& o) { return o.starts_with(name); })) {
      env.push_back(entry);
    }
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  std::vector<std::string> args = resolved.value().argv;
  const std::vector<char*> child_argv = c_strings(args);
  const std::vector<char*> child_envp = c_strings(env);

  seccomp_filter::assume_kernel_api(/*user_notif=*/true);
  auto program = seccomp_filter::compile(observer::filter_rules());
  if (!program) return program.error();
  listener_handoff::Channel handoff;
  if (auto opened = handoff.open(); !opened) return opened.error();

  const signal_relay::OwnChildren own_children;
  signal_relay::Relay relay;
  (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  if (child == 0) {
    child_main(program.value(), handoff, facts.exec_path.c_str(), child_argv.data(),
               child_envp.data(), parent);
  }
  handoff.parent_side();
  relay.start(child);
  auto listener = handoff.parent_take(child);
  if (!listener || !listener.value()) {
    ::kill(child, SIGKILL);
    (void)relay.wait_for_child();
    return listener ? Error{"learn: the target could not install the observing filter"}
                    : listener.error();
  }
  auto observer = observer::Observer::start(std::move(listener).value(), {report_path, child});
  if (!observer) {
    ::kill(child, SIGKILL);
    (void)relay.wait_for_child();
    return observer.error();
  }
  if (auto go = handoff.parent_go(); !go) {
    ::kill(child, SIGKILL);
    (void)relay.wait_for_child();
    return go.error();
  }
  facts.pid = child;
  facts.status = relay.wait_for_child();
  end_leftovers();
  observer.value().reset();  // every process of the run is gone: nothing is trapped any more
  (void)tmpdir.value().remove();
  return facts;
}

}  // namespace hermetic::learn
