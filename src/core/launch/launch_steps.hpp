// The launch checklist of launch.cpp, cut into the pieces its two callers share:
//   - the hermetic executable (launch_cli::run): prepare, then become the target in place when
//     nothing must outlive the exec, else stay as the waiting parent and exit as the target did;
//   - the library (hermetic::spawn, spawn.cpp): prepare in the caller, then fork a monitor
//     process that is the waiting parent, so that the caller's own state is never touched.
// Internal: not installed with the public headers.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"
#include "launch/hosts_overlay.hpp"
#include "launch/kernel_layer.hpp"
#include "launch/name_pins.hpp"
#include "launch/private_tmpdir.hpp"
#include "launch/run_plan.hpp"
#include "supervisor/listener_handoff.hpp"

namespace hermetic::launch_steps {

// Steps 1-3 done: everything a run allocates, opens and compiles before any fork. Held by
// pointer (child_argv and child_envp point into the strings here) and never moved.
struct PreparedRun {
  Policy policy;
  std::string report_path;  // --report's file (absolute, opened by the caller), or empty
  std::optional<PrivateTmpdir> tmpdir;
  name_pins::Plan names;
  std::optional<hosts_overlay::Overlay> hosts;
  RunPlan plan;
  std::optional<PreparedKernelLayer> kernel;
  std::optional<listener_handoff::Channel> handoff;
  std::vector<std::string> target_env;
  std::vector<char*> child_argv;  // execve's arrays over plan.target.argv and target_env
  std::vector<char*> child_envp;
};

// Steps 1-3. `environment`: the NAME=VALUE list the target's environment starts from (the
// policy's scrub and hermetic's own variables then apply) and whose PATH the target is looked
// up on; null for this process's own environment. Creates the private TMPDIR and the hosts file
// (removed when the result is destroyed, unless released); changes nothing else in this
// process. `report_path`: the --report file (report_file::open_for_run made it absolute), empty
// for none: the supervisor, the target's layers (HERMETIC_REPORT) and refusals made here before
// the start write their lines there.
[[nodiscard]] Result<std::unique_ptr<PreparedRun>> prepare(
    const Policy& policy, const std::vector<std::string>& argv,
    const std::vector<std::string>* environment, const std::string& report_path = {});

// Whether hermetic must outlive the target's exec to serve the run (a supervisor to answer the
// kernel, or a hosts file to unmount and remove).
[[nodiscard]] bool needs_waiting_parent(const PreparedRun& run);

// Step 4 (the CLI's): applies the kernel layer to this process and execs the target in its
// place. Returns only when the TMPDIR's detached cleaner could not be started (then step 5 must
// serve the run); a failure to apply or exec ends this process with a message.
void exec_in_place(PreparedRun& run);

// Step 5: forks the target and serves it as its waiting parent (this process becomes the run's
// subreaper, undumpable, without core dumps; signals sent to it are relayed to the target),
// waits, kills what the target left running and removes the run's files. `reached_exec` is
// called once the target has exec'd (not when it failed before). Returns the target's waitpid
// status, or an Error when the target never ran. Needs SIGCHLD not ignored (OwnChildren).
[[nodiscard]] Result<int> serve_as_waiting_parent(PreparedRun& run,
                                                  const std::function<void()>& reached_exec);

// Exits as a process whose child ended with waitpid `status` would have: the same code, or
// death by the same signal (no core file). Returns the code to exit with when it does not die.
[[nodiscard]] int mirror_status(int status);

}  // namespace hermetic::launch_steps

namespace hermetic::launch_cli {

// What the hermetic executable does with a target: steps 1-5, in place when it can. Does not
// return when it execs in place; otherwise returns the status to exit with (after dying by the
// target's signal, if that did not work) or an Error when hermetic itself failed.
// `report_path`: as prepare's.
[[nodiscard]] Result<int> run(const Policy& policy, const std::vector<std::string>& argv,
                              const std::string& report_path = {});

}  // namespace hermetic::launch_cli
