// A learn run (`hermetic learn`): the target runs with nothing enforced, under a filter that only
// notifies (observer.hpp), in a private TMPDIR as an enforced --fs-readonly run has one. Every use
// of a capability, in every process of the run, becomes a report line.
#pragma once

#include <string>
#include <vector>

#include "hermetic/result.hpp"

namespace hermetic::learn {

struct RunFacts {
  std::string exec_path;  // the target as found on PATH
  std::string tmpdir;     // the run's private TMPDIR (removed by the time run() returns)
  int status = 0;         // waitpid status of the target
  long pid = 0;           // the target's process
};

// Runs `argv` to its end, appending what it used to `report_path` (the file exists). Processes
// the target leaves running are killed once it exits, as in an enforced run. An Error when the
// kernel cannot observe (no seccomp user notification or pidfd_getfd) or the target never ran.
[[nodiscard]] Result<RunFacts> run(const std::vector<std::string>& argv,
                                   const std::string& report_path);

}  // namespace hermetic::learn
