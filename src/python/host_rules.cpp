#include "host_rules.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace hermetic::inproc::host_rules {
namespace {

// Cloud metadata services hand out credentials to anything that can reach them; no allow-list
// entry opens them (as in hermetic-seal). Addresses are compared after normalization.
constexpr std::array<std::string_view, 8> kMetadata = {
    "169.254.169.254",           // AWS, Azure, OpenStack, DigitalOcean, GCP
    "169.254.170.2",             // AWS ECS task metadata
    "100.100.100.200",           // Alibaba Cloud
    "fd00:ec2::254",             // AWS IMDS over IPv6
    "fe80::a9fe:a9fe",           // link-local form of 169.254.169.254
    "metadata.google.internal",  // GCP by name
    "metadata",                  // GCP short name through the search domain
    "metadata.goog",
};

std::string normalize(std::string_view raw) {
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.front())))
    raw.remove_prefix(1);
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
  if (raw.size() >= 2 && raw.front() == '[' && raw.back() == ']')
    raw = raw.substr(1, raw.size() - 2);
  if (auto zone = raw.find('%'); zone != std::string_view::npos) raw = raw.substr(0, zone);
  std::string out(raw);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

Host classify(std::string_view raw) {
  Host host;
  host.text = normalize(raw);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.text.c_str(), &v4) == 1) {
    host.is_ip = true;
  } else if (inet_pton(AF_INET6, host.text.c_str(), &v6) == 1) {
    host.is_ip = true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      std::memcpy(&v4, &v6.s6_addr[12], sizeof v4);
      char text[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &v4, text, sizeof text);
      host.text = text;
    } else {
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(AF_INET6, &v6, text,
                sizeof text);  // canonical form: fd00:ec2:0::254 → fd00:ec2::254
      host.text = text;
      host.loopback = IN6_IS_ADDR_LOOPBACK(&v6);
      host.wildcard = IN6_IS_ADDR_UNSPECIFIED(&v6);
    }
  }
  if (host.is_ip && host.text.find(':') == std::string::npos) {
    inet_pton(AF_INET, host.text.c_str(), &v4);
    const std::uint32_t addr = ntohl(v4.s_addr);
    host.loopback = (addr >> 24) == 127;
    host.wildcard = addr == 0;
  }
  if (!host.is_ip) {
    host.loopback = host.text == "localhost";
    host.wildcard = host.text.empty();
  }
  host.metadata = std::find(kMetadata.begin(), kMetadata.end(), host.text) != kMetadata.end();
  return host;
}

bool domain_matches(std::string_view host, std::string_view domain) {
  if (domain.empty() || host.size() < domain.size()) return false;
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace hermetic::inproc::host_rules
