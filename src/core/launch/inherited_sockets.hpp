// Sockets the caller hands the target (inherited fds) were made outside the sandbox: the
// seccomp rows of --no-network refuse socket(), not the use of a socket that already exists. A
// connected TCP socket, or an unconnected UDP socket that can send anywhere, would carry the
// target's data out. So hermetic looks at what it would pass on before it runs anything, and
// refuses a run whose inherited sockets the policy could not hold.
#pragma once

#include <optional>
#include <string>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic::inherited_sockets {

// A description of the inherited socket on `fd`, if it is one the policy cannot hold: under
// --no-network any socket of a family other than AF_UNIX; with --allow-localhost (or domains) an
// IP socket is held when it is bound to loopback or not at all, and connected to loopback or
// not at all (its later connects and sends are the supervisor's). nullopt: nothing to refuse.
[[nodiscard]] std::optional<std::string> refusal_for(const Policy& policy, int fd);

// Every fd of this process the target inherits (not close-on-exec), as above: an error naming the
// first socket the policy cannot hold (hermetic's own error, exit 1), with the way out.
[[nodiscard]] Status check(const Policy& policy);

}  // namespace hermetic::inherited_sockets
