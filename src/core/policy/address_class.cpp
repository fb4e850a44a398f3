#include "policy/address_class.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace hermetic::address_class {
namespace {

Address ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return Address{AF_INET, {a, b, c, d}};
}

Address ipv6(const std::array<std::uint8_t, 16>& bytes) { return Address{AF_INET6, bytes}; }

// The IPv4 metadata addresses (NAT64 can embed each of them).
bool ipv4_metadata(const Address& address) {
  static const std::array kIpv4{
      ipv4(169, 254, 169, 254),  // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
      ipv4(169, 254, 170, 2),    // AWS ECS task metadata and credentials
      ipv4(169, 254, 170, 23),   // AWS EKS Pod Identity agent
      ipv4(100, 100, 100, 200),  // Alibaba Cloud
  };
  return std::find(kIpv4.begin(), kIpv4.end(), address) != kIpv4.end();
}

}  // namespace

Address from_in_addr(const in_addr& in) {
  Address address{AF_INET, {}};
  std::memcpy(address.bytes.data(), &in, 4);
  return address;
}

Address from_in6_addr(const in6_addr& in) {
  static constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0,    0,
                                                              0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(in.s6_addr, kMappedPrefix.data(), kMappedPrefix.size()) == 0) {
    in_addr v4{};
    std::memcpy(&v4, in.s6_addr + 12, 4);
    return from_in_addr(v4);
  }
  Address address{AF_INET6, {}};
  std::memcpy(address.bytes.data(), in.s6_addr, 16);
  return address;
}

Result<Address> parse_address(std::string_view text) {
  std::string plain(text);
  if (plain.size() > 2 && plain.front() == '[' && plain.back() == ']') {
    plain = plain.substr(1, plain.size() - 2);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, plain.c_str(), &v4) == 1) return from_in_addr(v4);
  in6_addr v6{};
  if (inet_pton(AF_INET6, plain.c_str(), &v6) == 1) return from_in6_addr(v6);
  return Error{"not an IP address: '" + std::string(text) + "'"};
}

std::string to_text(const Address& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  inet_ntop(address.family, address.bytes.data(), text.data(), text.size());
  return text.data();
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
  static const std::array kIpv6{
      // fd00:ec2::254, AWS IMDS over IPv6
      ipv6({0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54}),
      // fd00:ec2::23, AWS EKS Pod Identity agent over IPv6
      ipv6({0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x23}),
      // fe80::a9fe:a9fe, the link-local form of 169.254.169.254
      ipv6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa9, 0xfe, 0xa9, 0xfe}),
  };
  if (std::find(kIpv6.begin(), kIpv6.end(), address) != kIpv6.end()) return true;
  // NAT64 (64:ff9b::/96) reaches an IPv4 address through a translator.
  static constexpr std::array<std::uint8_t, 12> kNat64{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::equal(kNat64.begin(), kNat64.end(), address.bytes.begin())) {
    return ipv4_metadata(
        ipv4(address.bytes[12], address.bytes[13], address.bytes[14], address.bytes[15]));
  }
  return false;
}

bool is_cloud_metadata_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!lower.empty() && lower.back() == '.') lower.pop_back();
  static constexpr std::array<std::string_view, 3> kNames{
      "metadata.google.internal",  // GCP
      "metadata",                  // GCP's short name, through the search domain
      "metadata.goog",             // GCP
  };
  return std::find(kNames.begin(), kNames.end(), lower) != kNames.end();
}

}  // namespace hermetic::address_class

namespace hermetic::address_class {

Result<HostPort> split_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Error{"expected HOST:PORT, got '" + std::string(text) + "'"};
  }
  std::string host(text.substr(0, colon));
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return Error{"expected [IPV6]:PORT, got '" + std::string(text) + "'"};
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return Error{"write an IPv6 address in brackets, [ADDRESS]:PORT, got '" + std::string(text) +
                 "'"};
  }
  unsigned port = 0;
  for (const char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) {
      return Error{"expected a port 1-65535, got '" + std::string(port_text) + "'"};
    }
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) {
    return Error{"expected a port 1-65535, got '" + std::string(port_text) + "'"};
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty() || host.find_first_of(" /\t[]") != std::string::npos) {
    return Error{"expected HOST:PORT, got '" + std::string(text) + "'"};
  }
  return HostPort{std::move(host), static_cast<std::uint16_t>(port)};
}

}  // namespace hermetic::address_class
