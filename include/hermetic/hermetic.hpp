// Umbrella header of the hermetic C++ library: build a Policy, then run() a child under it or
// apply_to_self().
#pragma once

#include "hermetic/launch.hpp"
#include "hermetic/policy.hpp"
#include "hermetic/probe.hpp"
#include "hermetic/result.hpp"
