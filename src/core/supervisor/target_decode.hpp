// The one place that interprets bytes copied from a supervised target's memory: socket
// addresses, msghdr, mmsghdr, iovec arrays and control messages, laid out as the kernel reads
// them on x86-64 (include/linux/socket.h, include/uapi/linux/uio.h). Pure: no I/O, no syscalls;
// every function takes spans already copied and returns the decoded value or the errno the
// kernel gives for the same bytes. The supervisor copies, calls these, and decides on the
// result; the unit tests feed the same bytes to the real kernel and compare.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "policy/address_policy.hpp"

namespace hermetic::target_decode {

using Bytes = std::span<const std::byte>;

// A decoded value, or the kernel's errno for the bytes it came from.
template <typename T>
struct Decoded {
  T value{};
  int error = 0;
  [[nodiscard]] bool ok() const { return error == 0; }
};

// The kernel's structures as the target passes them: 64-bit pointers and lengths, whatever the
// libc (musl's msghdr and cmsghdr have 32-bit lengths and padding).
struct KernelMsghdr {
  std::uint64_t name;
  std::int32_t namelen;
  std::uint64_t iov;
  std::uint64_t iovlen;
  std::uint64_t control;
  std::uint64_t controllen;
  std::uint32_t flags;
};
struct KernelMmsghdr {
  KernelMsghdr hdr;
  std::uint32_t len;
};
struct KernelCmsghdr {
  std::uint64_t len;  // header included
  std::int32_t level;
  std::int32_t type;
};
struct KernelIovec {
  std::uint64_t base;
  std::uint64_t len;
};
static_assert(sizeof(KernelMsghdr) == 56 && sizeof(KernelMmsghdr) == 64);
static_assert(offsetof(KernelMmsghdr, len) == 56 && sizeof(KernelCmsghdr) == 16);
static_assert(sizeof(KernelIovec) == 16);

constexpr std::size_t kMaxSockaddr = sizeof(sockaddr_storage);  // 128
constexpr std::size_t kMaxIov = 1024;                           // UIO_MAXIOV
constexpr std::size_t kMaxMessages = 1024;                      // sendmmsg's vlen cap
// Control data the supervisor copies at most. The kernel's own bound is net.core.optmem_max
// (128 KiB by default on 6.x); beyond this the supervisor answers ENOBUFS, as the kernel does
// beyond optmem_max.
constexpr std::size_t kMaxControl = std::size_t{64} * 1024;

// ---- socket addresses ----

// The addrlen argument of connect, bind and sendto (an int to the kernel: the register's low 32
// bits): how many bytes to copy. EINVAL below 0 or above sizeof(sockaddr_storage)
// (move_addr_to_kernel).
[[nodiscard]] Decoded<std::size_t> address_length(std::uint64_t argument);

enum class AddressKind {
  inet,           // AF_INET, AF_INET6; AF_UNSPEC of sockaddr_in's length (read as AF_INET)
  unspec,         // AF_UNSPEC too short to carry an IPv4 address
  unix_path,      // a file name
  unix_abstract,  // a name in the abstract namespace (sun_path[0] == '\0')
  unix_unnamed,   // sun_family alone: autobind
  other,          // any other family, by its family field
};

struct SocketAddress {
  sockaddr_storage storage{};  // the bytes, zero past `length`
  socklen_t length = 0;
  sa_family_t family = AF_UNSPEC;
  AddressKind kind = AddressKind::other;
  address_policy::Endpoint endpoint;  // kind inet
  std::string unix_name;              // a path, or an abstract name without its leading NUL
};

// A socket address of bytes.size() bytes, by its family field and the kernel's minimum lengths:
// EINVAL when shorter than the family field, an AF_INET shorter than sockaddr_in, an AF_INET6
// shorter than the RFC 2133 sockaddr_in6 (24), an AF_UNIX longer than sockaddr_un
// (unix_validate_addr), or anything longer than sockaddr_storage.
[[nodiscard]] Decoded<SocketAddress> decode_sockaddr(Bytes bytes);

// The address as --trace prints it: "10.0.0.1:80", "[::1]:53", "/run/x.sock", "@name",
// "(unnamed)", "family 16".
[[nodiscard]] std::string describe(const SocketAddress& address);

// ---- messages ----

// What sendmsg and each sendmmsg entry ask the supervisor to copy, after the kernel's checks on
// the header (copy_msghdr_from_user, ____sys_sendmsg), in its order: a negative msg_namelen is
// EINVAL, more than UIO_MAXIOV iovecs EMSGSIZE, control data over INT_MAX (or kMaxControl)
// ENOBUFS. A NULL msg_name or a zero msg_namelen means no address; a msg_namelen over
// sizeof(sockaddr_storage) is cut to it.
struct MessagePlan {
  std::uint64_t name = 0;
  std::size_t name_length = 0;  // 0: no address
  std::uint64_t iov = 0;
  std::size_t iov_count = 0;
  std::uint64_t control = 0;
  std::size_t control_length = 0;
};
[[nodiscard]] Decoded<MessagePlan> plan_message(const KernelMsghdr& header);

// A msghdr of sizeof(KernelMsghdr) bytes (EFAULT for fewer: the kernel's copy would fault).
[[nodiscard]] Decoded<MessagePlan> decode_msghdr(Bytes bytes);

// sendmmsg's vlen argument (an unsigned int), capped at UIO_MAXIOV as the kernel caps it.
[[nodiscard]] std::size_t message_count(std::uint64_t argument);

// An array of mmsghdr, as many as whole entries fit in `bytes`.
[[nodiscard]] std::vector<KernelMsghdr> decode_mmsghdrs(Bytes bytes);

// An iovec array (import_iovec): EINVAL for a length over SSIZE_MAX; lengths whose sum passes
// MAX_RW_COUNT are cut so the sum stays there, as the kernel cuts them.
[[nodiscard]] Decoded<std::vector<KernelIovec>> decode_iovecs(Bytes bytes);

// ---- control messages ----

struct ControlMessage {
  int level = 0;
  int type = 0;
  std::size_t data = 0;  // offset of the data in the control buffer
  std::size_t size = 0;  // bytes of data (cmsg_len less the header)
};

// The control messages of a buffer, walked as the kernel walks them (for_each_cmsghdr,
// CMSG_OK): EINVAL for a message whose cmsg_len is shorter than its header or runs past the
// buffer; a tail shorter than a header, or past the last CMSG_ALIGN'ed message, is ignored.
[[nodiscard]] Decoded<std::vector<ControlMessage>> walk_control(Bytes control);

// What the supervisor must know of a message's control data before sending it.
struct ControlFacts {
  bool source_routed = false;       // IP_RETOPTS, IPV6_RTHDR, IPV6_2292RTHDR
  std::vector<int> out_interfaces;  // non-zero ifindexes of IP_PKTINFO / IPV6_PKTINFO
                                    // (and IPV6_2292PKTINFO)
  std::vector<std::size_t> rights;  // offsets of the fd numbers SCM_RIGHTS carries
};
[[nodiscard]] Decoded<ControlFacts> inspect_control(Bytes control);

}  // namespace hermetic::target_decode
