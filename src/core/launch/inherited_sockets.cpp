#include "launch/inherited_sockets.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "hermetic/report_lines.hpp"
#include "policy/address_policy.hpp"

namespace hermetic::inherited_sockets {
namespace {

std::string family_name(int family) {
  const std::string_view name = socket_family_name(family);
  return name.empty() ? "family " + std::to_string(family) : std::string(name);
}

// The socket's address at one end, or nullopt when it has none (unbound, unconnected).
std::optional<address_policy::Endpoint> end_of(int fd, bool peer) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  auto* address = reinterpret_cast<sockaddr*>(&storage);
  const int rc = peer ? getpeername(fd, address, &length) : getsockname(fd, address, &length);
  if (rc != 0) return std::nullopt;
  return address_policy::from_sockaddr(storage, length);
}

// Unbound or unconnected (no address, or the unspecified one with no port), or on loopback. A
// socket bound to the unspecified address with a port listens on every interface.
bool on_loopback_or_nowhere(const std::optional<address_policy::Endpoint>& end) {
  return !end || (address_policy::is_unspecified(end->address) && end->port == 0) ||
         address_policy::is_loopback(end->address);
}

// The interface the socket is tied to, other than loopback: it then sends even a loopback
// destination out of that interface. (Sockets made in the sandbox cannot be tied to one: the
// setsockopt rows refuse it.)
std::optional<std::string> bound_device(int fd, int family) {
  std::array<char, IFNAMSIZ + 1> name{};
  socklen_t length = IFNAMSIZ;
  if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.data(), &length) == 0 && length > 0 &&
      name[0] != '\0' && std::string_view(name.data()) != "lo") {
    return std::string(name.data());
  }
  constexpr int kIpUnicastIf = 50;    // <linux/in.h>
  constexpr int kIpv6UnicastIf = 76;  // <linux/in6.h>
  int index = 0;
  length = sizeof index;
  const bool v6 = family == AF_INET6;
  if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? kIpv6UnicastIf : kIpUnicastIf, &index,
                 &length) == 0 &&
      index != 0 &&
      // IPv4's option holds the index in network byte order
      (v6 ? static_cast<unsigned>(index) : ntohl(static_cast<std::uint32_t>(index))) !=
          if_nametoindex("lo")) {
    return "index " + std::to_string(index);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> refusal_for(const Policy& policy, int fd) {
  if (!policy.block_network) return std::nullopt;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  int family = 0;
  socklen_t length = sizeof family;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &length) != 0) {
    return "fd " + std::to_string(fd) + " is a socket hermetic cannot examine";
  }
  if (family == AF_UNIX) return std::nullopt;
  const std::string what =
      "fd " + std::to_string(fd) + " is an inherited " + family_name(family) + " socket";
  const bool addresses = policy.has_network_exceptions();
  if (!addresses || (family != AF_INET && family != AF_INET6)) return what;
  if (const auto device = bound_device(fd, family)) return what + " tied to interface " + *device;
  const auto local = end_of(fd, /*peer=*/false);
  const auto peer = end_of(fd, /*peer=*/true);
  if (on_loopback_or_nowhere(local) && on_loopback_or_nowhere(peer)) return std::nullopt;
  return what + (peer ? " connected to " + address_policy::to_string(*peer)
                      : " bound to " + address_policy::to_string(*local));
}

Status check(const Policy& policy) {
  if (!policy.block_network) return Ok{};
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return Error{"cannot list this process's fds (/proc/self/fd)"};
  const int own = dirfd(dir);
  std::optional<std::string> refused;
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == own) continue;
    // Closed at the target's exec (a library caller's own sockets, spawn.hpp): never inherited.
    const int fd_flags = fcntl(static_cast<int>(fd), F_GETFD);
    if (fd_flags >= 0 && (fd_flags & FD_CLOEXEC) != 0) continue;
    refused = refusal_for(policy, static_cast<int>(fd));
    if (refused) break;
  }
  closedir(dir);
  if (!refused) return Ok{};
  return Error{*refused +
               ", made outside the sandbox: --no-network cannot hold it; close it "
               "for the run (for example " +
               refused->substr(3, refused->find(' ', 3) - 3) + ">&- in the shell)"};
}

}  // namespace hermetic::inherited_sockets
