// --explain: a RunPlan as text, layer by layer, so a user can see why a path is readable or a
// call fails. The public entry point is hermetic::explain() in launch.hpp.
#pragma once

#include <string>

#include "hermetic/probe.hpp"
#include "launch/run_plan.hpp"

namespace hermetic {

[[nodiscard]] std::string describe(const RunPlan& plan, const KernelFeatures& features);

}  // namespace hermetic
