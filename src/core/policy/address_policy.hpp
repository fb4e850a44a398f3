// Pure decision logic of the network supervisor: may this process connect, bind or send to
// this IP address? No kernel calls here, so every rule is unit-tested without a sandbox.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/address_class.hpp"

namespace hermetic::address_policy {

// What an address is comes from address_class, which the in-process layer uses too.
using address_class::Address;
using address_class::is_cloud_metadata;
using address_class::is_loopback;
using address_class::is_unspecified;
using address_class::parse_address;

struct Endpoint {
  Address address;
  std::uint16_t port = 0;  // host order
  bool operator==(const Endpoint&) const = default;
};

// A sockaddr copied from the target. nullopt unless AF_INET/AF_INET6 with a sufficient length.
[[nodiscard]] std::optional<Endpoint> from_sockaddr(const sockaddr_storage& storage,
                                                    socklen_t length);

// "10.213.0.2:443", "[::1]:80".
[[nodiscard]] std::string to_string(const Endpoint& endpoint);

enum class Operation { connect, bind, send };

struct Verdict {
  bool allowed = false;
  std::string_view reason;  // why a refusal, for --trace; empty when allowed
};

// The address rules of one run: loopback (with allow_localhost) and the addresses the allowed
// domains resolve to. Cloud metadata (address_class) and DNS (port 53) are always refused: a pinned
// name that points at a metadata address stays refused, and name lookups cannot leave the machine.
class Rules {
 public:
  Rules(bool allow_localhost, std::vector<Address> allowed_addresses,
        std::vector<Endpoint> allowed_endpoints = {}, std::vector<std::uint16_t> bind_ports = {});

  // connect/send: allowed to loopback and 0.0.0.0/:: with allow_localhost, to an allowed
  // address, or to an allowed address and port (--allow-connect). bind: loopback only, with
  // allow_localhost (as hermetic-seal) or on one of the bind ports (--allow-bind).
  [[nodiscard]] Verdict decide(Operation operation, const Endpoint& endpoint) const;

 private:
  bool allow_localhost_;
  std::vector<Address> allowed_;
  std::vector<Endpoint> endpoints_;
  std::vector<std::uint16_t> bind_ports_;
};

}  // namespace hermetic::address_policy
