// The --report file of a run (docs/report.md): hermetic opens it before anything runs, so that a
// path that cannot be written is an error up front, not lines lost later; the target's own
// layers then find it by the absolute path in HERMETIC_REPORT (report_event.hpp).
#pragma once

#include <string>
#include <string_view>

#include "hermetic/result.hpp"

namespace hermetic::report_file {

// Creates `path` (relative to the working directory) if it is missing, checks that it is a
// regular file this process can append to, and returns its canonical absolute path. Lines are
// appended: an existing report keeps its lines. An Error (one line, exit 1) names the path.
[[nodiscard]] Result<std::string> open_for_run(const std::string& path);

// What hermetic itself refused before the target started (layer "cli"): an inherited socket,
// a rule the kernel cannot enforce. Best effort; nothing when `report_path` is empty.
struct CliRefusal {
  std::string_view capability;
  std::string_view operation;
  std::string_view flag;
  std::string_view program;  // the target as given
  std::string_view name;     // detail.name (an inherited fd's description)
};
void refused_before_start(const std::string& report_path, const CliRefusal& refusal);

}  // namespace hermetic::report_file
