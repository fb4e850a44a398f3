#include "policy/address_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace hermetic::address_policy {
namespace {

constexpr std::uint16_t kDnsPort = 53;

}  // namespace

std::optional<Endpoint> from_sockaddr(const sockaddr_storage& storage, socklen_t length) {
  if (storage.ss_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof in);
    return Endpoint{address_class::from_in_addr(in.sin_addr), ntohs(in.sin_port)};
  }
  // The kernel takes IPv6 addresses without the scope id (RFC 2133 length, 24 bytes) too.
  constexpr socklen_t kShortestIpv6 = 24;
  if (storage.ss_family == AF_INET6 && length >= kShortestIpv6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &storage,
                std::min<std::size_t>(sizeof in6, static_cast<std::size_t>(length)));
    return Endpoint{address_class::from_in6_addr(in6.sin6_addr), ntohs(in6.sin6_port)};
  }
  return std::nullopt;
}

std::string to_string(const Endpoint& endpoint) {
  const std::string text = address_class::to_text(endpoint.address);
  const std::string port = ":" + std::to_string(endpoint.port);
  if (endpoint.address.family == AF_INET6) return "[" + text + "]" + port;
  return text + port;
}

Rules::Rules(bool allow_localhost, std::vector<Address> allowed_addresses,
             std::vector<Endpoint> allowed_endpoints, std::vector<std::uint16_t> bind_ports)
    : allow_localhost_(allow_localhost),
      allowed_(std::move(allowed_addresses)),
      endpoints_(std::move(allowed_endpoints)),
      bind_ports_(std::move(bind_ports)) {}

Verdict Rules::decide(Operation operation, const Endpoint& endpoint) const {
  const Address& address = endpoint.address;
  if (is_cloud_metadata(address)) return {false, "cloud metadata endpoint"};
  if (operation == Operation::bind) {
    if (allow_localhost_ && is_loopback(address)) return {true, {}};
    const bool listed =
        std::find(bind_ports_.begin(), bind_ports_.end(), endpoint.port) != bind_ports_.end();
    if (listed && is_loopback(address)) return {true, {}};
    return {false, "bind only on loopback with --allow-localhost or an --allow-bind port"};
  }
  // A DNS query names what the target wants to reach; it must not leave the machine, not even
  // through a local forwarding resolver (127.0.0.53).
  if (endpoint.port == kDnsPort) return {false, "DNS query"};
  if (allow_localhost_ && (is_loopback(address) || is_unspecified(address))) return {true, {}};
  if (std::find(allowed_.begin(), allowed_.end(), address) != allowed_.end()) return {true, {}};
  if (std::find(endpoints_.begin(), endpoints_.end(), endpoint) != endpoints_.end()) {
    return {true, {}};
  }
  return {false, "address not allowed"};
}

}  // namespace hermetic::address_policy
