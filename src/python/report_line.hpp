// The --report line of an in-process refusal (docs/report.md, layer "inprocess"): the event
// deny() also traces, as data, with the first frame of the program's own code. Written to the
// report file of each active level that has one (the CLI's HERMETIC_REPORT, a blocker's
// report=).
#pragma once

#include <string>
#include <string_view>

#include "policy_stack.hpp"
#include "violation.hpp"

namespace hermetic::inproc::report_line {

// The report's words for a denial. Pure, for unit tests and the encoder.
struct Words {
  std::string_view capability;
  std::string_view operation;
  std::string path;
  std::string address;
  long port = -1;
  std::string name;
};
[[nodiscard]] Words words_of(const Denial& denial);

// The flag (Face::kCli) or keyword (Face::kApi) that refuses `capability`.
[[nodiscard]] std::string_view refusing_flag(std::string_view capability, Face face);

// Appends the line of `denial` to every distinct report file of the snapshot's levels. Leaves
// no Python error set and raises no audit event of its own.
void write(const Snapshot& snapshot, const Denial& denial);

// Learn mode (learn_view.hpp): appends `words` as an observed use (decision "observed", no flag)
// to `report_path`, with the first frame of the program's own code when `with_frame`. Leaves no
// Python error set and raises no audit event of its own.
void write_observed(const std::string& report_path, const Words& words, bool with_frame);

}  // namespace hermetic::inproc::report_line
