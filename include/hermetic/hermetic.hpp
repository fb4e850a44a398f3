// Umbrella header of the hermetic C++ library: build a Policy, then spawn() a child under it
// and wait for it, or apply_to_self(). docs/cpp-library.md shows the whole API.
#pragma once

#include "hermetic/launch.hpp"
#include "hermetic/policy.hpp"
#include "hermetic/probe.hpp"
#include "hermetic/result.hpp"
#include "hermetic/spawn.hpp"
