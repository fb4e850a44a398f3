#include "report_unexpected.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/fd.hpp"
#include "cli_support.hpp"
#include "launch/launch_steps.hpp"
#include "launch/private_tmpdir.hpp"
#include "launch/report_file.hpp"
#include "launch/signal_relay.hpp"
#include "learn/grants.hpp"
#include "learn/synthesize.hpp"

namespace hermetic::cli {
namespace {

namespace fs = std::filesystem;

}  // namespace

int run_reporting_unexpected(const UnexpectedRun& run) {
  std::string report = run.report_file;
  std::optional<std::string> scratch;
  if (report.empty()) {
    std::string pattern = tmpdir_parent() + "/hermetic-refusals-XXXXXX";
    const Fd made(mkstemp(pattern.data()));
    if (!made) return fail("cannot create a scratch report file in " + tmpdir_parent(), 1);
    report = pattern;
    scratch = pattern;
  }
  auto opened = report_file::open_for_run(report);
  if (!opened) return fail(opened.error().message, opened.error().exit_code);
  report = opened.value();
  std::uint64_t offset = 0;
  if (struct stat st{}; ::stat(report.c_str(), &st) == 0) offset = st.st_size;

  int status = 0;
  std::string exec_path;
  {
    const signal_relay::OwnChildren own_children;
    auto prepared = launch_steps::prepare(run.policy, run.target_argv, nullptr, report);
    if (!prepared) {
      if (scratch) (void)::unlink(scratch->c_str());
      return fail(prepared.error().message, prepared.error().exit_code);
    }
    exec_path = prepared.value()->plan.target.exec_path;
    // Always a waiting parent: the report is read once the target is gone.
    auto waited = launch_steps::serve_as_waiting_parent(*prepared.value(), [] {});
    if (!waited) {
      if (scratch) (void)::unlink(scratch->c_str());
      return fail(waited.error().message, waited.error().exit_code);
    }
    status = waited.value();
  }
  auto refused = learn::read_report(read_from(report, offset), "refused");
  if (scratch) (void)::unlink(scratch->c_str());
  if (!refused) return fail(refused.error().message, 1);
  if (refused.value().empty()) return launch_steps::mirror_status(status);

  const std::string cwd = fs::current_path().string();
  const std::string root = run.policy.fs_root.value_or(cwd);
  const learn::Grants grants = learn::grants_for(run.target_argv, exec_path, "", root);
  const learn::Learned current = learn::from_policy(run.policy);
  const std::string base =
      run.policy_file.empty() ? cwd : fs::path(run.policy_file).parent_path().string();
  const auto explained = learn::explain_refusals(refused.value(), current, grants,
                                                 learn::exists_now, base, grants.home);
  const std::string exit_text = WIFEXITED(status)
                                    ? "exited " + std::to_string(WEXITSTATUS(status))
                                    : "died by signal " + std::to_string(WTERMSIG(status));
  (void)std::fprintf(stderr,
                     "hermetic: --report-unexpected: the target (%s) was refused %zu thing%s the "
                     "policy does not allow:\n",
                     exit_text.c_str(), explained.size(), explained.size() == 1 ? "" : "s");
  for (const auto& item : explained) {
    (void)std::fprintf(stderr, "  %s\n", item.what.c_str());
    if (item.lines.empty()) {
      (void)std::fprintf(stderr, "      (no policy line allows it)\n");
    }
    for (const auto& line : item.lines) (void)std::fprintf(stderr, "      %s\n", line.c_str());
  }
  return kUnexpected;
}

}  // namespace hermetic::cli
