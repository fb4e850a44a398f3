#include "host_rules.hpp"

#include <algorithm>
#include <cctype>

#include "policy/address_class.hpp"

namespace hermetic::inproc::host_rules {
namespace {

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
  // Cloud metadata services hand out credentials to anything that can reach them; no
  // allow-list entry opens them. Which addresses and names they are is address_class's to say,
  // for this layer and the kernel layer alike.
  if (auto address = address_class::parse_address(host.text)) {
    host.is_ip = true;
    host.text = address_class::to_text(address.value());  // canonical; IPv4-mapped as IPv4
    host.loopback = address_class::is_loopback(address.value());
    host.wildcard = address_class::is_unspecified(address.value());
    host.metadata = address_class::is_cloud_metadata(address.value());
  } else {
    host.loopback = host.text == "localhost";
    host.wildcard = host.text.empty();
    host.metadata = address_class::is_cloud_metadata_name(host.text);
  }
  return host;
}

bool domain_matches(std::string_view host, std::string_view domain) {
  if (domain.empty() || host.size() < domain.size()) return false;
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace hermetic::inproc::host_rules
