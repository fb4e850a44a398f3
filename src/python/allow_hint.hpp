// How to allow what was refused, as the end of a refusal's one-line message: the CLI flag when
// the refusing level is the CLI's policy, the keyword of hermetic_blocker / with_hermetic when it
// is the Python API's. Each returns " (allow with ...)" or "" when that face has no such switch.
#pragma once

#include <string>
#include <string_view>

#include "policy_stack.hpp"

namespace hermetic::inproc::allow_hint {

// --allow-localhost / allow_localhost=True
[[nodiscard]] std::string localhost(Face face);
// --allow-domain NAME / allow_domains=["NAME"]
[[nodiscard]] std::string domain(Face face, std::string_view name);
// --allow-write DIR for a refused write to `real_path` (canonical): its deepest existing
// directory, since creating a file needs its directory and tools write through a temporary file
// beside it. The API has no such keyword.
[[nodiscard]] std::string write(Face face, const std::string& real_path);
// --allow-read PATH; the API has no such keyword.
[[nodiscard]] std::string read(Face face, std::string_view real_path);
// --allow-exec PROGRAM / allow_exec=["PROGRAM"] for a refused program (as found, or as named).
[[nodiscard]] std::string exec(Face face, std::string_view program);

}  // namespace hermetic::inproc::allow_hint
