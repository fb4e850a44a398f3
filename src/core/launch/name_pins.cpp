#include "launch/name_pins.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>

namespace hermetic::name_pins {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string address_text(const address_policy::Address& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  inet_ntop(address.family, address.bytes.data(), text.data(), text.size());
  return text.data();
}

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

// The system resolver's answer for an allowed domain without a pin.
std::vector<address_policy::Address> look_up(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &raw) != 0) return {};
  const std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw);
  std::vector<address_policy::Address> out;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    sockaddr_storage storage{};
    std::copy_n(reinterpret_cast<const std::uint8_t*>(ai->ai_addr), ai->ai_addrlen,
                reinterpret_cast<std::uint8_t*>(&storage));
    if (auto endpoint = address_policy::from_sockaddr(storage, ai->ai_addrlen)) {
      if (std::find(out.begin(), out.end(), endpoint->address) == out.end()) {
        out.push_back(endpoint->address);
      }
    }
  }
  return out;
}

void add_unique(std::vector<address_policy::Address>& into, const address_policy::Address& a) {
  if (std::find(into.begin(), into.end(), a) == into.end()) into.push_back(a);
}

}  // namespace

bool domain_allowed(const std::vector<std::string>& domains, std::string_view name) {
  std::string lower = lowercase(name);
  while (!lower.empty() && lower.back() == '.') lower.pop_back();
  return std::any_of(domains.begin(), domains.end(), [&](const std::string& domain) {
    if (lower == domain) return true;
    return lower.size() > domain.size() && lower.ends_with(domain) &&
           lower[lower.size() - domain.size() - 1] == '.';
  });
}

bool names_given(const Policy& policy) {
  return !policy.resolve.empty() || !policy.allow_domains.empty() ||
         std::any_of(policy.allow_connect.begin(), policy.allow_connect.end(),
                     [](const std::string& entry) {
                       auto split = address_class::split_host_port(entry);
                       return split && !address_policy::parse_address(split.value().host);
                     });
}

Result<Plan> plan(const Policy& policy, std::string_view machine_hosts) {
  Plan out;
  std::string pins;
  for (const auto& pin : policy.resolve) {
    auto address = address_policy::parse_address(pin.address);
    if (!address)
      return Error{"--resolve " + pin.name + ":" + pin.address + ": " + address.error().message};
    pins += pin.address + " " + pin.name + "\n";
    // A metadata service's name allows nothing, whatever --allow-domain says (as in the
    // in-process layer): its address is neither pinned as allowed nor looked up.
    const bool metadata = address_class::is_cloud_metadata_name(pin.name);
    if (domain_allowed(policy.allow_domains, pin.name) && !metadata)
      add_unique(out.allowed, address.value());
  }
  for (const auto& domain : policy.allow_domains) {
    const bool pinned = std::any_of(policy.resolve.begin(), policy.resolve.end(),
                                    [&](const ResolvePin& pin) { return pin.name == domain; });
    if (pinned || address_class::is_cloud_metadata_name(domain)) continue;
    for (const auto& address : look_up(domain)) {
      add_unique(out.allowed, address);
      pins += address_text(address) + " " + domain + "\n";
    }
  }
  // --allow-connect: an address as it is, a name as pinned (--resolve) or as the system
  // resolver answers now, each with its port only. A metadata name allows nothing.
  for (const auto& entry : policy.allow_connect) {
    auto split = address_class::split_host_port(entry);
    if (!split) return Error{"--allow-connect " + entry + ": " + split.error().message};
    // (Copies, not a structured binding: the lambda below captures the host.)
    const std::string host = split.value().host;
    const std::uint16_t port = split.value().port;
    std::vector<address_policy::Address> addresses;
    if (auto literal = address_policy::parse_address(host)) {
      addresses.push_back(literal.value());
    } else if (!address_class::is_cloud_metadata_name(host)) {
      const auto pinned = std::find_if(policy.resolve.begin(), policy.resolve.end(),
                                       [&](const ResolvePin& pin) { return pin.name == host; });
      if (pinned != policy.resolve.end()) {
        if (auto address = address_policy::parse_address(pinned->address)) {
          addresses.push_back(address.value());
        }
      } else {
        addresses = look_up(host);
        for (const auto& address : addresses) pins += address_text(address) + " " + host + "\n";
      }
    }
    for (const auto& address : addresses) {
      const address_policy::Endpoint endpoint{address, port};
      if (std::find(out.allowed_endpoints.begin(), out.allowed_endpoints.end(), endpoint) ==
          out.allowed_endpoints.end()) {
        out.allowed_endpoints.push_back(endpoint);
      }
    }
  }
  if (pins.empty() && !names_given(policy)) return out;
  out.hosts = "# hermetic: --resolve pins and --allow-domain addresses\n" + pins +
              "# the machine's /etc/hosts\n" + std::string(machine_hosts);
  return out;
}

std::string machine_hosts() {
  std::ifstream file("/etc/hosts");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

address_policy::Rules address_rules(const Policy& policy, const Plan& names) {
  std::vector<std::uint16_t> bind_ports;
  bind_ports.reserve(policy.allow_bind.size());
  for (const auto& port : policy.allow_bind) {
    bind_ports.push_back(static_cast<std::uint16_t>(std::stoul(port)));
  }
  return {policy.allow_localhost, names.allowed, names.allowed_endpoints, std::move(bind_ports)};
}

}  // namespace hermetic::name_pins
