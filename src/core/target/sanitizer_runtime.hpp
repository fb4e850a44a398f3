// What a sanitized build of hermetic (HERMETIC_SANITIZE: ASan+UBSan, for the tests) hands to
// the Python targets it injects its sanitized extension into. An ASan-instrumented shared
// library loads only into a process whose first library is the ASan runtime, so the target's
// LD_PRELOAD must start with it; and the caller's sanitizer options (no leak reports from
// CPython, where reports go) must reach the target under --no-environment too. In any other
// build both are empty.
#pragma once

#include <string>
#include <vector>

namespace hermetic::sanitizer_runtime {

// The path of the ASan runtime this process runs with, followed by ':', to put first in a
// target's LD_PRELOAD; empty when this build is not sanitized.
[[nodiscard]] std::string preload_prefix();

// ASAN_OPTIONS=... and UBSAN_OPTIONS=... as this process has them (those it has), as overrides
// for the target's environment; empty when this build is not sanitized.
[[nodiscard]] std::vector<std::string> options();

}  // namespace hermetic::sanitizer_runtime
