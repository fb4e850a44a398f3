// One place computes what a run will do: the resolved target, the files its exec runs, the
// kernel layer as data and the environment changes. run() prepares and applies it; --explain
// prints it. Nothing here forks or changes the system.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/probe.hpp"
#include "hermetic/result.hpp"
#include "landlock/fs_layers.hpp"
#include "launch/kernel_layer.hpp"
#include "target/exec_allow.hpp"
#include "target/target.hpp"

namespace hermetic {

struct RunPlan {
  target::Resolved target;
  std::vector<std::string> exec_files;          // computed when a rule needs it, else empty
  std::vector<exec_allow::Grant> exec_allowed;  // --allow-exec, resolved (exec_allow.hpp)
  fs_layers::Inputs fs;                         // the facts of --fs-readonly
  KernelPlan kernel;
  std::vector<std::pair<std::string, std::string>> environment;  // set for the target
  // Under --no-environment: the caller's variables that pass the scrub (environment.hpp).
  std::vector<std::string> environment_passed;
};

// `private_tmpdir`: the run's TMPDIR when policy.fs_readonly (already created by the caller,
// or a placeholder for --explain). `path_env` is the PATH the target is looked up on.
// `hosts_file`: the hosts file of --resolve/--allow-domain (hosts_overlay), empty if none;
// a read root grants it. `report_file`: the --report file (absolute), empty if none; the
// write layer lets the target append to it, and the supervisor reports what BPF rows and Landlock
// refuse (syscall_rules::Reporting).
[[nodiscard]] Result<RunPlan> plan_run(const Policy& policy, const std::vector<std::string>& argv,
                                       const KernelFeatures& features, const std::string& path_env,
                                       const std::string& private_tmpdir,
                                       const std::string& hosts_file,
                                       const std::string& report_file = {});

// The --fs-readonly facts for a program exec'd as `exec_path`: the user's paths (ROOT,
// --allow-write, --allow-read) checked to exist and made canonical (an error names the first
// missing one), the regular files this process has as stdin/stdout/stderr, and what the
// program needs to read (runtime_reads) when reads are confined, the programs of --allow-exec
// (`exec_allowed`) among them.
[[nodiscard]] Result<fs_layers::Inputs> gather_fs_inputs(
    const Policy& policy, const std::string& exec_path, const std::vector<std::string>& exec_files,
    const std::vector<exec_allow::Grant>& exec_allowed, const std::string& private_tmpdir,
    int landlock_abi, const std::string& path_env);

}  // namespace hermetic
