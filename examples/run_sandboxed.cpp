// run_sandboxed: a C++ program that uses the installed hermetic library (find_package(hermetic),
// CMakeLists.txt here) to run a Python one-liner with the network and filesystem writes blocked,
// and checks that
//   - the target really tried: without a policy the same one-liner connects to a listener of
//     ours and writes the file; under the policy the listener counts no connection, the file is
//     not there, and the one writable directory got the target's marker (so it did run);
//   - this process is unchanged afterwards: its environment, dumpable flag, subreaper flag,
//     signal handlers and mask, core limit, seccomp mode (Seccomp: 0) and no_new_privs, and it
//     can still write where the target could not (no Landlock domain on it).
// Usage: run_sandboxed WORKDIR (an empty directory). Exit status 0 when every check holds.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <hermetic/hermetic.hpp>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;  // NOLINT: the process's environment, compared before and after

namespace {

namespace fs = std::filesystem;

// The target: leaves its marker where the policy lets it write (named by $MARKER, which only
// spawn()'s environment gives it), then tries the network and a forbidden write, ignoring
// refusals, and exits 7.
constexpr const char* kTarget = R"(
import os, socket, sys
open(os.environ["MARKER"], "w").close()
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
except OSError:
    pass
try:
    open(sys.argv[2], "w").write("written")
except OSError:
    pass
sys.exit(7)
)";

// What a library must not change in its caller.
struct OwnState {
  std::vector<std::string> environment;
  int dumpable = -1;
  int subreaper = -1;
  std::vector<std::string> handlers;  // per signal: handler and flags
  sigset_t mask{};
  rlimit core{};
  std::string seccomp;  // /proc/self/status lines
  std::string no_new_privs;

  static OwnState read() {
    OwnState state;
    for (char** entry = environ; *entry != nullptr; ++entry) state.environment.emplace_back(*entry);
    state.dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    (void)prctl(PR_GET_CHILD_SUBREAPER, &state.subreaper, 0, 0, 0);
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction action {};
      if (sigaction(sig, nullptr, &action) != 0) continue;
      state.handlers.push_back(std::to_string(sig) + ":" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(action.sa_handler)) +
                               ":" +  // NOLINT
                               std::to_string(action.sa_flags));
    }
    (void)sigprocmask(SIG_SETMASK, nullptr, &state.mask);
    (void)getrlimit(RLIMIT_CORE, &state.core);
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("Seccomp:")) state.seccomp = line;
      if (line.starts_with("NoNewPrivs:")) state.no_new_privs = line;
    }
    return state;
  }
};

int g_failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "run_sandboxed: FAILED: " << what << "\n";
    ++g_failures;
  }
}

void on_term(int /*sig*/) {}  // a handler of the caller's own, which must stay installed

// A listener on 127.0.0.1 standing for "the outside"; counts the connections it got.
class Listener {
 public:
  Listener() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* raw = reinterpret_cast<sockaddr*>(&address);  // NOLINT: the sockets API
    if (fd_ < 0 || bind(fd_, raw, length) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, raw, &length) != 0) {
      throw std::runtime_error(std::string("listener: ") + std::strerror(errno));
    }
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { (void)close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // Connections that arrived since the last call (the target has exited: all are queued).
  int accepted() {
    int count = 0;
    for (int client = accept(fd_, nullptr, nullptr); client >= 0;
         client = accept(fd_, nullptr, nullptr)) {
      (void)close(client);
      ++count;
    }
    return count;
  }

 private:
  int fd_;
  int port_ = 0;
};

// Runs the target under `policy` with MARKER=`marker` added to this process's environment, and
// returns how it ended.
hermetic::ExitStatus run_target(const hermetic::Policy& policy, const Listener& listener,
                                const fs::path& marker, const fs::path& forbidden) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
  environment.push_back("MARKER=" + marker.string());
  auto child = hermetic::spawn(
      policy, {"python3", "-c", kTarget, std::to_string(listener.port()), forbidden.string()},
      environment);
  if (!child) throw std::runtime_error("spawn: " + child.error().message);
  auto status = child.value().wait();
  if (!status) throw std::runtime_error("wait: " + status.error().message);
  return status.value();
}

int run(const fs::path& workdir) {
  // State worth disturbing: a handler, an ignored signal, a blocked one, a core limit.
  (void)std::signal(SIGTERM, on_term);
  (void)std::signal(SIGPIPE, SIG_IGN);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR2);
  (void)sigprocmask(SIG_BLOCK, &blocked, nullptr);
  const rlimit core{4096, RLIM_INFINITY};
  (void)setrlimit(RLIMIT_CORE, &core);
  const OwnState before = OwnState::read();

  Listener listener;
  const fs::path bare_dir = workdir / "bare";
  const fs::path sandboxed_dir = workdir / "sandboxed";
  const fs::path writable = sandboxed_dir / "writable";
  fs::create_directories(bare_dir);
  fs::create_directories(writable);

  // Bare (an empty policy): the attempts are real.
  const auto bare =
      run_target(hermetic::Policy{}, listener, bare_dir / "started", bare_dir / "forbidden.txt");
  check(bare == hermetic::ExitStatus{7, 0}, "bare run: exit code 7");
  check(fs::exists(bare_dir / "started"), "bare run: the target ran");
  check(listener.accepted() == 1, "bare run: the listener got the connection");
  check(fs::exists(bare_dir / "forbidden.txt"), "bare run: the file was written");

  // Under the policy: no network, no writes but to `writable`.
  auto policy = hermetic::PolicyBuilder()
                    .block_network()
                    .fs_readonly()
                    .allow_write(writable.string())
                    .build();
  if (!policy) throw std::runtime_error("policy: " + policy.error().message);
  const auto sandboxed =
      run_target(policy.value(), listener, writable / "started", sandboxed_dir / "forbidden.txt");
  check(sandboxed == hermetic::ExitStatus{7, 0}, "sandboxed run: exit code 7");
  check(fs::exists(writable / "started"), "sandboxed run: the target ran");
  check(listener.accepted() == 0, "sandboxed run: no connection reached the listener");
  check(!fs::exists(sandboxed_dir / "forbidden.txt"), "sandboxed run: the file was not written");

  // A run killed from here ends by the signal sent (relayed by hermetic's monitor).
  auto sleeper = hermetic::spawn(policy.value(), {"python3", "-c", "import time; time.sleep(60)"});
  if (!sleeper) throw std::runtime_error("spawn: " + sleeper.error().message);
  check(sleeper.value().pid() > 0, "the run has a pid");
  check(sleeper.value().kill(SIGTERM).ok(), "kill(SIGTERM)");
  const auto killed = sleeper.value().wait();
  check(killed.ok() && killed.value() == hermetic::ExitStatus{0, SIGTERM},
        "the killed run ended by SIGTERM");

  // A target that is not there: an error from spawn() itself.
  auto missing = hermetic::spawn(policy.value(), {"/nonexistent/program"});
  check(!missing && missing.error().exit_code == hermetic::exit_code::kNotFound,
        "spawn of a missing program fails with 127");

  // This process is as it was.
  const OwnState after = OwnState::read();
  check(after.environment == before.environment, "environment unchanged");
  check(after.dumpable == 1 && after.dumpable == before.dumpable, "still dumpable");
  check(after.subreaper == before.subreaper, "subreaper flag unchanged");
  check(after.handlers == before.handlers, "signal handlers unchanged");
  check(std::memcmp(&after.mask, &before.mask, sizeof after.mask) == 0, "signal mask unchanged");
  check(after.core.rlim_cur == before.core.rlim_cur, "core limit unchanged");
  check(after.seccomp == "Seccomp:\t0" && after.seccomp == before.seccomp, "no seccomp filter");
  check(after.no_new_privs == before.no_new_privs, "no_new_privs unchanged");
  std::ofstream(sandboxed_dir / "parent.txt") << "still writable\n";
  check(fs::exists(sandboxed_dir / "parent.txt"), "this process still writes anywhere");

  if (g_failures == 0) std::cout << "run_sandboxed: all checks passed\n";
  return g_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: run_sandboxed WORKDIR\n";
    return 2;
  }
  try {
    return run(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "run_sandboxed: error: " << e.what() << "\n";
    return 1;
  }
}
