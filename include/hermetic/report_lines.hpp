// The two kinds of stderr line hermetic writes about a blocked action. They differ at the start
// so that a log reader can tell a run that ended on a block from one that only traced blocks.
#pragma once

#include <sys/socket.h>

#include <string_view>

namespace hermetic {

// The name a report gives a socket family (`socket(AF_INET)`); empty for one it does not name.
// Header-only: the preloaded library, which links nothing of hermetic's, reports with it too.
[[nodiscard]] constexpr std::string_view socket_family_name(long family) {
  switch (family) {
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_NETLINK:
      return "AF_NETLINK";
    case AF_PACKET:
      return "AF_PACKET";
    default:
      return {};
  }
}

// The run ended on this blocked action (exit status 2): `hermetic: blocked action: <what>: ...`.
inline constexpr std::string_view kBlockedActionPrefix = "hermetic: blocked action: ";

// --trace (or trace=True): one line per refusal, in hermetic-seal's `[hermetic] blocked` style;
// the program may catch the refusal and go on.
inline constexpr std::string_view kTraceLinePrefix = "[hermetic] blocked action: ";

}  // namespace hermetic
