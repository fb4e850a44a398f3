#include "supervisor/target_decode.hpp"

#include <arpa/inet.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace hermetic::target_decode {
namespace {

// <linux/in6.h> option numbers glibc and musl do not all name.
constexpr int kIpv6_2292Pktinfo = 2;
constexpr int kIpv6_2292Rthdr = 5;
// The shortest sockaddr_in6 the kernel takes: without sin6_scope_id (SIN6_LEN_RFC2133).
constexpr std::size_t kShortestIpv6 = 24;
// The most one read or write moves (MAX_RW_COUNT: INT_MAX rounded down to a page).
constexpr std::uint64_t kMaxRwCount = 0x7ffff000U;

template <typename T>
T load(Bytes bytes, std::size_t at = 0) {
  T value{};
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

template <typename T>
Decoded<T> failure(int error) {
  Decoded<T> decoded;
  decoded.error = error;
  return decoded;
}

template <typename T>
Decoded<T> success(T value) {
  return Decoded<T>{std::move(value), 0};
}

void decode_unix(Bytes bytes, SocketAddress& out) {
  constexpr std::size_t kPath = offsetof(sockaddr_un, sun_path);
  const auto path = bytes.subspan(kPath);
  if (path.empty()) {
    out.kind = AddressKind::unix_unnamed;
    return;
  }
  const auto* chars = reinterpret_cast<const char*>(path.data());
  if (chars[0] == '\0') {
    out.kind = AddressKind::unix_abstract;
    out.unix_name.assign(chars + 1, path.size() - 1);  // every byte counts, NULs included
    return;
  }
  // unix_mkname_bsd: the name ends at the first NUL, or at the length the caller gave.
  out.kind = AddressKind::unix_path;
  out.unix_name.assign(chars, strnlen(chars, path.size()));
}

}  // namespace

Decoded<std::size_t> address_length(std::uint64_t argument) {
  const auto length = static_cast<std::int32_t>(static_cast<std::uint32_t>(argument));
  if (length < 0 || static_cast<std::size_t>(length) > kMaxSockaddr) {
    return failure<std::size_t>(EINVAL);
  }
  return success(static_cast<std::size_t>(length));
}

Decoded<SocketAddress> decode_sockaddr(Bytes bytes) {
  if (bytes.size() < sizeof(sa_family_t) || bytes.size() > kMaxSockaddr) {
    return failure<SocketAddress>(EINVAL);
  }
  SocketAddress out;
  std::memcpy(&out.storage, bytes.data(), bytes.size());
  out.length = static_cast<socklen_t>(bytes.size());
  out.family = out.storage.ss_family;
  switch (out.family) {
    case AF_UNIX:
      if (bytes.size() > sizeof(sockaddr_un)) return failure<SocketAddress>(EINVAL);
      decode_unix(bytes, out);
      return success(std::move(out));
    case AF_INET6:
      if (bytes.size() < kShortestIpv6) return failure<SocketAddress>(EINVAL);
      {
        sockaddr_in6 in6{};
        std::memcpy(&in6, bytes.data(), std::min(sizeof in6, bytes.size()));
        out.kind = AddressKind::inet;
        out.endpoint = {address_class::from_in6_addr(in6.sin6_addr), ntohs(in6.sin6_port)};
      }
      return success(std::move(out));
    case AF_INET:
    case AF_UNSPEC:
      // bind and datagram sends take AF_UNSPEC as AF_INET (the kernel's compatibility rule);
      // connect takes it as "dissolve the association", which names nothing either way.
      if (bytes.size() < sizeof(sockaddr_in)) {
        if (out.family == AF_INET) return failure<SocketAddress>(EINVAL);
        out.kind = AddressKind::unspec;
        return success(std::move(out));
      }
      {
        const auto in = load<sockaddr_in>(bytes);
        out.kind = AddressKind::inet;
        out.endpoint = {address_class::from_in_addr(in.sin_addr), ntohs(in.sin_port)};
      }
      return success(std::move(out));
    default:
      out.kind = AddressKind::other;
      return success(std::move(out));
  }
}

std::string describe(const SocketAddress& address) {
  switch (address.kind) {
    case AddressKind::inet:
      return address_policy::to_string(address.endpoint);
    case AddressKind::unix_path:
      return address.unix_name;
    case AddressKind::unix_abstract: {
      // Appended, not "@" + name: GCC 12 then warns of an overlap (-Wrestrict) it imagines.
      std::string shown = "@";
      shown.append(address.unix_name);
      return shown;
    }
    case AddressKind::unix_unnamed:
      return "(unnamed)";
    case AddressKind::unspec:
    case AddressKind::other:
      break;
  }
  return "family " + std::to_string(address.family);
}

Decoded<MessagePlan> plan_message(const KernelMsghdr& header) {
  MessagePlan plan;
  // __copy_msghdr: a NULL name has no length; a negative one is EINVAL; a longer one than
  // sockaddr_storage is cut to it.
  const std::int32_t namelen = header.name == 0 ? 0 : header.namelen;
  if (namelen < 0) return failure<MessagePlan>(EINVAL);
  plan.name = header.name;
  plan.name_length = std::min(static_cast<std::size_t>(namelen), kMaxSockaddr);
  if (header.iovlen > kMaxIov) return failure<MessagePlan>(EMSGSIZE);
  plan.iov = header.iov;
  plan.iov_count = static_cast<std::size_t>(header.iovlen);
  // ____sys_sendmsg: more than INT_MAX bytes of control data is ENOBUFS, and so is more than
  // the socket may allocate (optmem_max), which kMaxControl stands for here.
  if (header.controllen > INT_MAX || header.controllen > kMaxControl) {
    return failure<MessagePlan>(ENOBUFS);
  }
  plan.control = header.control;
  plan.control_length = static_cast<std::size_t>(header.controllen);
  return success(plan);
}

Decoded<MessagePlan> decode_msghdr(Bytes bytes) {
  if (bytes.size() < sizeof(KernelMsghdr)) return failure<MessagePlan>(EFAULT);
  return plan_message(load<KernelMsghdr>(bytes));
}

std::size_t message_count(std::uint64_t argument) {
  return std::min<std::size_t>(argument & 0xffffffffU, kMaxMessages);
}

std::vector<KernelMsghdr> decode_mmsghdrs(Bytes bytes) {
  std::vector<KernelMsghdr> headers(bytes.size() / sizeof(KernelMmsghdr));
  for (std::size_t i = 0; i < headers.size(); ++i) {
    headers[i] = load<KernelMmsghdr>(bytes, i * sizeof(KernelMmsghdr)).hdr;
  }
  return headers;
}

Decoded<std::vector<KernelIovec>> decode_iovecs(Bytes bytes) {
  std::vector<KernelIovec> iovecs(bytes.size() / sizeof(KernelIovec));
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < iovecs.size(); ++i) {
    KernelIovec& part = iovecs[i];
    part = load<KernelIovec>(bytes, i * sizeof(KernelIovec));
    // copy_iovec_from_user: a length that does not fit ssize_t is EINVAL.
    if (part.len > static_cast<std::uint64_t>(SSIZE_MAX)) {
      return failure<std::vector<KernelIovec>>(EINVAL);
    }
    part.len = std::min(part.len, kMaxRwCount - total);
    total += part.len;
  }
  return success(std::move(iovecs));
}

Decoded<std::vector<ControlMessage>> walk_control(Bytes control) {
  std::vector<ControlMessage> messages;
  std::size_t at = 0;
  // CMSG_FIRSTHDR / CMSG_NXTHDR: a header must fit whole after `at`.
  while (control.size() - at >= sizeof(KernelCmsghdr)) {
    const auto header = load<KernelCmsghdr>(control, at);
    // CMSG_OK: no shorter than its header, no longer than what is left.
    if (header.len < sizeof header || header.len > control.size() - at) {
      return failure<std::vector<ControlMessage>>(EINVAL);
    }
    messages.push_back({header.level, header.type, at + sizeof header, header.len - sizeof header});
    const std::uint64_t aligned = (header.len + 7U) & ~std::uint64_t{7};  // CMSG_ALIGN
    if (aligned > control.size() - at) break;
    at += aligned;
  }
  return success(std::move(messages));
}

Decoded<ControlFacts> inspect_control(Bytes control) {
  const auto messages = walk_control(control);
  if (!messages.ok()) return failure<ControlFacts>(messages.error);
  ControlFacts facts;
  for (const ControlMessage& m : messages.value) {
    const auto data = control.subspan(m.data, m.size);
    if (m.level == SOL_SOCKET && m.type == SCM_RIGHTS) {
      for (std::size_t i = 0; i + sizeof(int) <= m.size; i += sizeof(int)) {
        facts.rights.push_back(m.data + i);
      }
    }
    // IPv4 options (IP_RETOPTS) and IPv6 routing headers source-route the packet: it goes to a
    // first hop the caller lists, not to the address that was decided on.
    if ((m.level == IPPROTO_IP && m.type == IP_RETOPTS) ||
        (m.level == IPPROTO_IPV6 && (m.type == IPV6_RTHDR || m.type == kIpv6_2292Rthdr))) {
      facts.source_routed = true;
    }
    // An outgoing interface: the kernel then sends even a loopback destination out of it. An
    // IPv6 socket reads IPV6_PKTINFO for IPv4-mapped destinations too (ip_cmsg_send), and
    // IPV6_2292PKTINFO as IPV6_PKTINFO (ip6_datagram_send_ctl). A shorter one is EINVAL to
    // the kernel wherever it reads it.
    int index = 0;
    if (m.level == IPPROTO_IP && m.type == IP_PKTINFO && m.size >= sizeof(in_pktinfo)) {
      index = load<int>(data, offsetof(in_pktinfo, ipi_ifindex));
    } else if (m.level == IPPROTO_IPV6 && (m.type == IPV6_PKTINFO || m.type == kIpv6_2292Pktinfo) &&
               m.size >= sizeof(in6_pktinfo)) {
      index = load<int>(data, offsetof(in6_pktinfo, ipi6_ifindex));
    }
    if (index != 0) facts.out_interfaces.push_back(index);
  }
  return success(std::move(facts));
}

}  // namespace hermetic::target_decode
