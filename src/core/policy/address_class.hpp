// What an address is: loopback, unspecified, a cloud metadata endpoint. The one classification
// both layers use: the kernel layer's address rules (address_policy) and the in-process layer's
// network guard (src/python/host_rules), so the two cannot disagree about what an address is.
// Pure: no kernel calls, no Python.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "hermetic/result.hpp"

namespace hermetic::address_class {

// An IP address in one canonical form: IPv4 (also when it came IPv4-mapped, ::ffff:a.b.c.d,
// because the kernel sends those as IPv4) or IPv6.
struct Address {
  int family = AF_UNSPEC;                // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  bool operator==(const Address&) const = default;
};

[[nodiscard]] Address from_in_addr(const in_addr& in);
[[nodiscard]] Address from_in6_addr(const in6_addr& in);  // IPv4-mapped becomes IPv4

// "10.0.0.1", "::1", "[::1]" -> Address; an error for anything else (names included).
[[nodiscard]] Result<Address> parse_address(std::string_view text);

// "10.0.0.1", "fd00:ec2::254": the canonical text (inet_ntop).
[[nodiscard]] std::string to_text(const Address& address);

// "host:443", "10.0.0.1:80", "[::1]:8080" -> host (lower case, no brackets) and port 1-65535;
// an error for anything else. The form of --allow-connect, for both layers.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
[[nodiscard]] Result<HostPort> split_host_port(std::string_view text);

// 127.0.0.0/8, ::1.
[[nodiscard]] bool is_loopback(const Address& address);
// 0.0.0.0, :: (Linux connects these to the local host).
[[nodiscard]] bool is_unspecified(const Address& address);
// Cloud metadata services, which hand credentials to anything that reaches them:
// 169.254.169.254 (AWS, GCP, Azure, OpenStack, ...), 169.254.170.2 (AWS ECS task credentials),
// 169.254.170.23 and fd00:ec2::23 (AWS EKS Pod Identity), 100.100.100.200 (Alibaba),
// fd00:ec2::254 (AWS IPv6), fe80::a9fe:a9fe (link-local form of 169.254.169.254); the IPv4 ones
// also embedded in NAT64 64:ff9b::/96.
[[nodiscard]] bool is_cloud_metadata(const Address& address);
// The metadata services' names (metadata.google.internal, metadata, metadata.goog), in any case,
// with or without the trailing dot.
[[nodiscard]] bool is_cloud_metadata_name(std::string_view name);

}  // namespace hermetic::address_class
