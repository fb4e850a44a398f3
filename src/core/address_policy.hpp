// Pure decision logic of the network supervisor: may this process connect, bind or send to
// this IP address? No kernel calls here, so every rule is unit-tested without a sandbox.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hermetic/result.hpp"

namespace hermetic::address_policy {

// An IP address in one canonical form: IPv4 (also when it came IPv4-mapped, ::ffff:a.b.c.d,
// because the kernel sends those as IPv4) or IPv6.
struct Address {
  int family = AF_UNSPEC;                // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  bool operator==(const Address&) const = default;
};

struct Endpoint {
  Address address;
  std::uint16_t port = 0;  // host order
};

// "10.0.0.1", "::1", "[::1]" -> Address; an error for anything else (names included).
[[nodiscard]] Result<Address> parse_address(std::string_view text);

// A sockaddr copied from the target. nullopt unless AF_INET/AF_INET6 with a sufficient length.
[[nodiscard]] std::optional<Endpoint> from_sockaddr(const sockaddr_storage& storage,
                                                    socklen_t length);

// 127.0.0.0/8, ::1.
[[nodiscard]] bool is_loopback(const Address& address);
// 0.0.0.0, :: (Linux connects these to the local host).
[[nodiscard]] bool is_unspecified(const Address& address);
// 169.254.169.254 (AWS, GCP, Azure...), fd00:ec2::254 (AWS IPv6), 100.100.100.200 (Alibaba),
// also when embedded in NAT64 64:ff9b::/96.
[[nodiscard]] bool is_cloud_metadata(const Address& address);

// "10.213.0.2:443", "[::1]:80".
[[nodiscard]] std::string to_string(const Endpoint& endpoint);

enum class Operation { connect, bind, send };

struct Verdict {
  bool allowed = false;
  std::string_view reason;  // why a refusal, for --trace; empty when allowed
};

// The address rules of one run: loopback (with allow_localhost) and the addresses the allowed
// domains resolve to. Cloud metadata and DNS (port 53) are always refused: a pinned name that
// points at a metadata address stays refused, and name lookups cannot leave the machine.
class Rules {
 public:
  Rules(bool allow_localhost, std::vector<Address> allowed_addresses);

  // connect/send: allowed to loopback and 0.0.0.0/:: with allow_localhost, or to an allowed
  // address. bind: loopback only, with allow_localhost (as hermetic-seal).
  [[nodiscard]] Verdict decide(Operation operation, const Endpoint& endpoint) const;

 private:
  bool allow_localhost_;
  std::vector<Address> allowed_;
};

}  // namespace hermetic::address_policy
