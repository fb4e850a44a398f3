// Names for --allow-domain and --resolve: which addresses the allowed domains stand for, and the
// hosts file the target resolves them with. Decided once, before the target starts, so the
// target and the supervisor agree on every address and the target never needs DNS for them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"
#include "policy/address_policy.hpp"

namespace hermetic::name_pins {

struct Plan {
  // Addresses connects may go to: the pins of allowed names, and what getaddrinfo answers for
  // an allowed domain that has no pin (the only real lookup hermetic makes; tests always pin).
  std::vector<address_policy::Address> allowed;
  // Address and port pairs of --allow-connect: its addresses as given, its names as pinned or
  // looked up (hosts file entries too), each with its one port.
  std::vector<address_policy::Endpoint> allowed_endpoints;
  // The target's /etc/hosts: every pin and every looked-up allowed name first, then the
  // machine's own file. Empty when the policy names nothing.
  std::string hosts;
};

// True when `name` is an allowed domain or a subdomain of one (case-insensitive; `domains` are
// lower case, as PolicyBuilder stores them).
[[nodiscard]] bool domain_allowed(const std::vector<std::string>& domains, std::string_view name);

// Whether the policy names hosts (pins, allowed domains, --allow-connect names), so that a hosts
// overlay may be needed.
[[nodiscard]] bool names_given(const Policy& policy);

// `machine_hosts` is the current /etc/hosts content. Errors: a pin whose address is not an IP.
[[nodiscard]] Result<Plan> plan(const Policy& policy, std::string_view machine_hosts);

// The machine's /etc/hosts, as plan() wants it (empty when it cannot be read).
[[nodiscard]] std::string machine_hosts();

// What the supervisor allows of the network: loopback if the policy says so, the planned names'
// addresses and endpoints, and the ports of allow_bind (PolicyBuilder checked each is 1-65535).
[[nodiscard]] address_policy::Rules address_rules(const Policy& policy, const Plan& names);

}  // namespace hermetic::name_pins
