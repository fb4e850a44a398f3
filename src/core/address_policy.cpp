#include "address_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace hermetic::address_policy {
namespace {

constexpr std::uint16_t kDnsPort = 53;

Address ipv4(const void* four_bytes) {
  Address address{AF_INET, {}};
  std::memcpy(address.bytes.data(), four_bytes, 4);
  return address;
}

// IPv4-mapped (::ffff:a.b.c.d) becomes IPv4: that is what the kernel sends.
Address ipv6(const in6_addr& in) {
  static constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0,    0,
                                                              0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(in.s6_addr, kMappedPrefix.data(), kMappedPrefix.size()) == 0) {
    return ipv4(in.s6_addr + 12);
  }
  Address address{AF_INET6, {}};
  std::memcpy(address.bytes.data(), in.s6_addr, 16);
  return address;
}

bool ipv4_is(const Address& address, std::uint8_t a, std::uint8_t b, std::uint8_t c,
             std::uint8_t d) {
  return address.family == AF_INET && address.bytes[0] == a && address.bytes[1] == b &&
         address.bytes[2] == c && address.bytes[3] == d;
}

bool ipv4_metadata(const Address& address) {
  return ipv4_is(address, 169, 254, 169, 254) || ipv4_is(address, 100, 100, 100, 200);
}

}  // namespace

Result<Address> parse_address(std::string_view text) {
  std::string plain(text);
  if (plain.size() > 2 && plain.front() == '[' && plain.back() == ']') {
    plain = plain.substr(1, plain.size() - 2);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, plain.c_str(), &v4) == 1) return ipv4(&v4);
  in6_addr v6{};
  if (inet_pton(AF_INET6, plain.c_str(), &v6) == 1) return ipv6(v6);
  return Error{"not an IP address: '" + std::string(text) + "'"};
}

std::optional<Endpoint> from_sockaddr(const sockaddr_storage& storage, socklen_t length) {
  if (storage.ss_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof in);
    return Endpoint{ipv4(&in.sin_addr), ntohs(in.sin_port)};
  }
  // The kernel takes IPv6 addresses without the scope id (RFC 2133 length, 24 bytes) too.
  constexpr socklen_t kShortestIpv6 = 24;
  if (storage.ss_family == AF_INET6 && length >= kShortestIpv6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &storage,
                std::min<std::size_t>(sizeof in6, static_cast<std::size_t>(length)));
    return Endpoint{ipv6(in6.sin6_addr), ntohs(in6.sin6_port)};
  }
  return std::nullopt;
}

bool is_loopback(const Address& address) {
  if (address.family == AF_INET) return address.bytes[0] == 127;
  static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                           0, 0, 0, 0, 0, 0, 0, 1};
  return address.family == AF_INET6 && address.bytes == kLoopback6;
}

bool is_unspecified(const Address& address) {
  const auto zero = [](std::uint8_t b) { return b == 0; };
  if (address.family == AF_INET)
    return std::all_of(address.bytes.begin(), address.bytes.begin() + 4, zero);
  return address.family == AF_INET6 &&
         std::all_of(address.bytes.begin(), address.bytes.end(), zero);
}

bool is_cloud_metadata(const Address& address) {
  if (address.family == AF_INET) return ipv4_metadata(address);
  if (address.family != AF_INET6) return false;
  // fd00:ec2::254
  static constexpr std::array<std::uint8_t, 16> kAwsV6{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
                                                       0,    0,    0,    0,    0, 0, 0x02, 0x54};
  if (address.bytes == kAwsV6) return true;
  // NAT64 (64:ff9b::/96) reaches an IPv4 address through a translator.
  static constexpr std::array<std::uint8_t, 12> kNat64{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::equal(kNat64.begin(), kNat64.end(), address.bytes.begin())) {
    return ipv4_metadata(ipv4(address.bytes.data() + 12));
  }
  return false;
}

std::string to_string(const Endpoint& endpoint) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  inet_ntop(endpoint.address.family, endpoint.address.bytes.data(), text.data(), text.size());
  const std::string port = ":" + std::to_string(endpoint.port);
  if (endpoint.address.family == AF_INET6) return "[" + std::string(text.data()) + "]" + port;
  return std::string(text.data()) + port;
}

Rules::Rules(bool allow_localhost, std::vector<Address> allowed_addresses)
    : allow_localhost_(allow_localhost), allowed_(std::move(allowed_addresses)) {}

Verdict Rules::decide(Operation operation, const Endpoint& endpoint) const {
  const Address& address = endpoint.address;
  if (is_cloud_metadata(address)) return {false, "cloud metadata endpoint"};
  if (operation == Operation::bind) {
    if (allow_localhost_ && is_loopback(address)) return {true, {}};
    return {false, "bind only on loopback with --allow-localhost"};
  }
  // A DNS query names what the target wants to reach; it must not leave the machine, not even
  // through a local forwarding resolver (127.0.0.53).
  if (endpoint.port == kDnsPort) return {false, "DNS query"};
  if (allow_localhost_ && (is_loopback(address) || is_unspecified(address))) return {true, {}};
  if (std::find(allowed_.begin(), allowed_.end(), address) != allowed_.end()) return {true, {}};
  return {false, "address not allowed"};
}

}  // namespace hermetic::address_policy
