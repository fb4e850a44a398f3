// hermetic: parse the command line into a Policy, then run the target under it.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "cli_options.hpp"
#include "hermetic/launch.hpp"
#include "hermetic/policy.hpp"
#include "hermetic/probe.hpp"
#include "launch/launch_steps.hpp"
#include "launch/report_file.hpp"
#include "learn_command.hpp"
#include "report_unexpected.hpp"

namespace {

int report(const hermetic::Error& error) {
  (void)std::fprintf(stderr, "hermetic: error: %s\n", error.message.c_str());
  return error.exit_code;
}

int run_cli(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "learn") {  // a subcommand: docs/learn.md
    return hermetic::cli::learn_main({args.begin() + 1, args.end()});
  }
  auto action = hermetic::cli::parse(args);
  if (!action) return report(action.error());

  if (const auto* text = std::get_if<hermetic::cli::ShowText>(&action.value())) {
    (void)std::fputs(text->text.c_str(), stdout);
    return 0;
  }
  if (std::holds_alternative<hermetic::cli::ShowKernelCheck>(action.value())) {
    (void)std::fputs(hermetic::probe_kernel().report().c_str(), stdout);
    return 0;
  }
  if (const auto* explain = std::get_if<hermetic::cli::ExplainTarget>(&action.value())) {
    // Shown as the run would open it, but not created: --explain creates nothing.
    std::string report_path;
    if (!explain->report_file.empty()) {
      std::error_code ec;
      const auto absolute = std::filesystem::absolute(explain->report_file, ec);
      const auto shown = ec ? absolute : std::filesystem::weakly_canonical(absolute, ec);
      report_path = (ec ? absolute : shown).string();
    }
    auto text = hermetic::explain(explain->policy, explain->target_argv, report_path);
    if (!text) return report(text.error());
    if (!explain->policy_source.empty()) {
      (void)std::printf("from: %s\n", explain->policy_source.c_str());
    }
    (void)std::fputs(text.value().c_str(), stdout);
    return 0;
  }
  const auto& run = std::get<hermetic::cli::RunTarget>(action.value());
  if (run.report_unexpected) {  // the ratchet: report_unexpected.hpp
    return hermetic::cli::run_reporting_unexpected(
        {run.policy, run.target_argv, run.report_file, run.policy_file});
  }
  std::string report_path;  // absolute: the target's layers may run in another directory
  if (!run.report_file.empty()) {
    auto opened = hermetic::report_file::open_for_run(run.report_file);
    if (!opened) return report(opened.error());
    report_path = std::move(opened).value();
  }
  // In place of this process when it can: launch_steps.hpp.
  auto status = hermetic::launch_cli::run(run.policy, run.target_argv, report_path);
  if (!status) return report(status.error());
  return status.value();
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    // Only allocation failure and similar can get here; still one line and a documented code.
    return report(hermetic::Error{std::string("internal error: ") + e.what()});
  }
}
