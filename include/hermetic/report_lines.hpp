// The two kinds of stderr line hermetic writes about a blocked action. They differ at the start
// so that a log reader can tell a run that ended on a block from one that only traced blocks.
#pragma once

#include <string_view>

namespace hermetic {

// The run ended on this blocked action (exit status 2): `hermetic: blocked action: <what>: ...`.
inline constexpr std::string_view kBlockedActionPrefix = "hermetic: blocked action: ";

// --trace (or trace=True): one line per refusal, in hermetic-seal's `[hermetic] blocked` style;
// the program may catch the refusal and go on.
inline constexpr std::string_view kTraceLinePrefix = "[hermetic] blocked action: ";

}  // namespace hermetic
