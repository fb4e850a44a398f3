// hermetic::spawn and Child against the real kernel: statuses, signals, the environment variant,
// errors before the target runs, the destructor, and the caller's state left alone. (The
// installed package and a policy's effect on a Python target: examples/run_sandboxed.cpp, run by
// ctest's cxx_package.)
#include "hermetic/spawn.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/fd.hpp"
#include "hermetic/launch.hpp"
#include "temp_dir.hpp"

namespace hermetic {
namespace {

namespace fs = std::filesystem;

ExitStatus run_to_end(const Policy& policy, const std::vector<std::string>& argv) {
  auto child = spawn(policy, argv);
  EXPECT_TRUE(child.ok()) << (child.ok() ? "" : child.error().message);
  if (!child) return {-1, 0};
  auto status = child.value().wait();
  EXPECT_TRUE(status.ok());
  return status.ok() ? status.value() : ExitStatus{-1, 0};
}

TEST(Spawn, ReportsTheTargetsExitCodeAndSignal) {
  EXPECT_EQ(run_to_end({}, {"sh", "-c", "exit 3"}), (ExitStatus{3, 0}));
  EXPECT_EQ(run_to_end({}, {"sh", "-c", "kill -TERM $$"}), (ExitStatus{0, SIGTERM}));
  EXPECT_EQ((ExitStatus{0, SIGTERM}).shell_code(), 128 + SIGTERM);
}

TEST(Spawn, EnforcesThePolicyOnTheTarget) {
  test_support::TempDir dir;
  const std::string script = "echo x > " + (dir.path() / "written").string();
  ASSERT_EQ(run_to_end({}, {"sh", "-c", script}), (ExitStatus{0, 0}));
  ASSERT_TRUE(fs::exists(dir.path() / "written"));  // the attempt is real
  fs::remove(dir.path() / "written");

  auto policy = PolicyBuilder().fs_readonly().build();
  ASSERT_TRUE(policy.ok());
  EXPECT_NE(run_to_end(policy.value(), {"sh", "-c", script}).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir.path() / "written"));
}

TEST(Spawn, StartsTheEnvironmentFromTheGivenList) {
  const std::vector<std::string> argv{"sh", "-c", R"(test "$HERMETIC_SPAWN_TEST" = yes)"};
  auto yes = spawn({}, argv, {"PATH=/usr/bin:/bin", "HERMETIC_SPAWN_TEST=yes"});
  ASSERT_TRUE(yes.ok());
  EXPECT_EQ(yes.value().wait().value(), (ExitStatus{0, 0}));
  auto no = spawn({}, argv, {"PATH=/usr/bin:/bin", "HERMETIC_SPAWN_TEST=no"});
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(no.value().wait().value(), (ExitStatus{1, 0}));
}

TEST(Spawn, FailsBeforeTheTargetRunsWithTheCodeOfTheExecutable) {
  auto missing = spawn({}, {"/nonexistent/hermetic-spawn-test"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().exit_code, exit_code::kNotFound);
}

TEST(Spawn, AnExecThatFailsIsAnErrorAndLeavesNoTmpdir) {
  test_support::TempDir dir;
  const fs::path script = dir.path() / "script";
  std::ofstream(script) << "#!/nonexistent/interpreter\n";
  fs::permissions(script, fs::perms::owner_all);
  test_support::TempDir tmp_parent;  // where the run's private TMPDIR is made
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir != nullptr ? old_tmpdir : "";
  ASSERT_EQ(setenv("TMPDIR", tmp_parent.path().c_str(), 1), 0);
  auto policy = PolicyBuilder().fs_readonly().build();
  ASSERT_TRUE(policy.ok());
  auto failed = spawn(policy.value(), {script.string()});
  if (old_tmpdir != nullptr) {
    (void)setenv("TMPDIR", saved.c_str(), 1);
  } else {
    (void)unsetenv("TMPDIR");
  }
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().exit_code, exit_code::kNotFound);
  EXPECT_NE(failed.error().message.find("cannot run"), std::string::npos);
  // Removed by the monitor, or by the TMPDIR's detached cleaner once the monitor has exited;
  // the bound only keeps a failure finite.
  for (int tries = 0; !fs::is_empty(tmp_parent.path()) && tries < 10'000; ++tries) usleep(1000);
  EXPECT_TRUE(fs::is_empty(tmp_parent.path()));
}

TEST(Spawn, KillIsRelayedToTheTarget) {
  auto child = spawn({}, {"sleep", "60"});
  ASSERT_TRUE(child.ok());
  EXPECT_GT(child.value().pid(), 0);
  ASSERT_TRUE(child.value().kill(SIGTERM).ok());
  EXPECT_EQ(child.value().wait().value(), (ExitStatus{0, SIGTERM}));
  EXPECT_FALSE(child.value().wait().ok());  // waited for already
  EXPECT_FALSE(child.value().kill(SIGTERM).ok());
}

TEST(Spawn, KillingARunThatEndedIsNoError) {
  auto child = spawn({}, {"true"});
  ASSERT_TRUE(child.ok());
  // The run has ended once the pidfd is readable; the monitor is a zombie until wait().
  pollfd ended{child.value().pidfd(), POLLIN, 0};
  ASSERT_GE(ended.fd, 0);
  ASSERT_EQ(poll(&ended, 1, 30'000), 1);  // the bound only keeps a failure finite
  EXPECT_TRUE(child.value().kill(SIGTERM).ok());
  EXPECT_EQ(child.value().wait().value(), (ExitStatus{0, 0}));
}

TEST(Spawn, TryWaitDoesNotBlock) {
  auto child = spawn({}, {"sleep", "60"});
  ASSERT_TRUE(child.ok());
  auto running = child.value().try_wait();
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(running.value().has_value());
}

TEST(Spawn, DestroyingAChildEndsTheTargetAndReapsTheMonitor) {
  test_support::TempDir dir;
  const fs::path pid_file = dir.path() / "pid";
  pid_t monitor = -1;
  Fd target;
  {
    // The target writes its pid, then sleeps: a handle on it while it runs.
    auto child = spawn({}, {"sh", "-c", "echo $$ > " + pid_file.string() + "; exec sleep 60"});
    ASSERT_TRUE(child.ok());
    monitor = child.value().pid();
    pid_t target_pid = 0;
    // Written right after the exec spawn() waited for; the bound only keeps a failure finite.
    for (int tries = 0; target_pid == 0 && tries < 30'000; ++tries) {
      std::ifstream(pid_file) >> target_pid;
      if (target_pid == 0) usleep(1000);
    }
    ASSERT_GT(target_pid, 0);
    target.reset(static_cast<int>(syscall(SYS_pidfd_open, target_pid, 0U)));
    ASSERT_TRUE(target);
  }
  // The monitor is reaped: not our child any more.
  EXPECT_EQ(waitpid(monitor, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  // The target ends with it (PR_SET_PDEATHSIG). The bound only keeps a failure from hanging.
  pollfd ended{target.get(), POLLIN, 0};
  EXPECT_EQ(poll(&ended, 1, 30'000), 1);
}

// What the target started in the background ends with a killed run (and with a destroyed Child,
// which kills the same way): SIGKILL to the monitor would have orphaned it.
TEST(Spawn, KillingARunEndsWhatTheTargetLeftInTheBackground) {
  test_support::TempDir dir;
  const fs::path pid_file = dir.path() / "pid";
  auto child = spawn({}, {"sh", "-c", "sleep 60 & echo $! > " + pid_file.string() + "; wait"});
  ASSERT_TRUE(child.ok());
  pid_t background = 0;
  // Written right after the exec spawn() waited for; the bound only keeps a failure finite.
  for (int tries = 0; background == 0 && tries < 30'000; ++tries) {
    std::ifstream(pid_file) >> background;
    if (background == 0) usleep(1000);
  }
  ASSERT_GT(background, 0);
  const Fd background_fd(static_cast<int>(syscall(SYS_pidfd_open, background, 0U)));
  ASSERT_TRUE(background_fd);
  ASSERT_TRUE(child.value().kill(SIGKILL).ok());
  EXPECT_EQ(child.value().wait().value(), (ExitStatus{0, SIGKILL}));
  // Killed and reaped by the monitor before it exited: its pidfd reports the exit at once.
  pollfd ended{background_fd.get(), POLLIN, 0};
  EXPECT_EQ(poll(&ended, 1, 0), 1);
}

TEST(Spawn, LeavesTheCallersStateAlone) {
  struct sigaction handler {};
  handler.sa_handler = [](int) {};
  struct sigaction before {};
  ASSERT_EQ(sigaction(SIGTERM, &handler, &before), 0);
  auto policy = PolicyBuilder().block_network().fs_readonly().block_subprocess().build();
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(run_to_end(policy.value(), {"true"}), (ExitStatus{0, 0}));
  struct sigaction after {};
  ASSERT_EQ(sigaction(SIGTERM, &before, &after), 0);
  EXPECT_EQ(after.sa_handler, handler.sa_handler);
  EXPECT_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
  int subreaper = -1;
  ASSERT_EQ(prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0), 0);
  EXPECT_EQ(subreaper, 0);
  std::ifstream status("/proc/self/status");
  bool seccomp_off = false;
  for (std::string line; std::getline(status, line);) {
    if (line == "Seccomp:\t0") seccomp_off = true;
  }
  EXPECT_TRUE(seccomp_off);
}

TEST(Spawn, OnlyInheritedSocketsStopANetworkFreeRun) {
  auto policy = PolicyBuilder().block_network().build();
  ASSERT_TRUE(policy.ok());
  const Fd own(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));  // the caller's: closed at exec
  ASSERT_TRUE(own);
  EXPECT_EQ(run_to_end(policy.value(), {"true"}), (ExitStatus{0, 0}));
  const Fd inherited(socket(AF_INET, SOCK_DGRAM, 0));  // the target would get this one
  ASSERT_TRUE(inherited);
  auto refused = spawn(policy.value(), {"true"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("inherited AF_INET socket"), std::string::npos);
}

}  // namespace
}  // namespace hermetic
