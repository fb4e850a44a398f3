// Classifying a network destination for the network guard: loopback, wildcard, cloud metadata,
// and the domain-suffix rule. Pure C++ (no Python), so the rules read in one place. What an
// address is comes from address_class (src/core), which the kernel layer uses too.
#pragma once

#include <string>
#include <string_view>

namespace hermetic::inproc::host_rules {

struct Host {
  std::string text;       // normalized: trimmed, lowercase, no trailing dot, no [ ] or %zone;
                          // IPv4-mapped IPv6 written as IPv4
  bool is_ip = false;     // a numeric IPv4 or IPv6 address
  bool loopback = false;  // 127.0.0.0/8, ::1, "localhost"
  bool wildcard = false;  // 0.0.0.0, ::, "" (every interface when bound; local when connected)
  bool metadata = false;  // a cloud metadata endpoint: denied whatever the allow-lists say
};

[[nodiscard]] Host classify(std::string_view raw);

// `host` equals `domain` or is a subdomain of it (both already normalized).
[[nodiscard]] bool domain_matches(std::string_view host, std::string_view domain);

}  // namespace hermetic::inproc::host_rules
