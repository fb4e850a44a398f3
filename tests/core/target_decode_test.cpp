// target_decode against the kernel: the same bytes go to a real socket call and to the decoder,
// and both must agree on whether they are acceptable and with which errno. Loopback only: every
// socket here talks to 127.0.0.1, ::1 or a unix socket, and no name is resolved.
#include "supervisor/target_decode.hpp"

#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "temp_dir.hpp"

namespace hermetic::target_decode {
namespace {

template <typename T>
Bytes bytes_of(const T& value, std::size_t size = sizeof(T)) {
  return {reinterpret_cast<const std::byte*>(&value), size};
}

// The errno of a call that returned `rc`, or 0.
int errno_of(long rc) { return rc < 0 ? errno : 0; }

// sendmsg as the kernel answers it: the raw syscall, past the sanitizers' interceptor (which
// reads msg_namelen bytes of the name where the kernel reads at most 128).
long kernel_sendmsg(int fd, const msghdr& header) { return ::syscall(SYS_sendmsg, fd, &header, 0); }

// A UDP socket bound to an ephemeral loopback port, to receive what the tests send.
struct Receiver {
  Fd fd;
  sockaddr_storage address{};
  socklen_t length = 0;
};

Receiver udp_receiver(int family) {
  Receiver r;
  r.fd = Fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!r.fd) return r;
  if (family == AF_INET) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memcpy(&r.address, &in, sizeof in);
    r.length = sizeof in;
  } else {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_loopback;
    std::memcpy(&r.address, &in6, sizeof in6);
    r.length = sizeof in6;
  }
  if (::bind(r.fd.get(), reinterpret_cast<sockaddr*>(&r.address), r.length) != 0 ||
      ::getsockname(r.fd.get(), reinterpret_cast<sockaddr*>(&r.address), &r.length) != 0) {
    r.fd.reset();
  }
  return r;
}

// What the decoder says of connect/bind/sendto(addr, addrlen): 0 or an errno.
int decoder_verdict(const std::array<std::byte, 256>& buffer, std::uint64_t addrlen) {
  const auto length = address_length(addrlen);
  if (!length.ok()) return length.error;
  return decode_sockaddr(Bytes(buffer).first(length.value)).error;
}

// connect() on a fresh UDP socket of `family` with the receiver's address cut to each length
// from 0 to 130: the kernel and the decoder agree on EINVAL or success, and the decoded endpoint
// is the receiver's.
void expect_inet_lengths_agree(int family) {
  const Receiver receiver = udp_receiver(family);
  if (!receiver.fd) GTEST_SKIP() << "no loopback for family " << family;
  std::array<std::byte, 256> buffer{};
  std::memcpy(buffer.data(), &receiver.address, receiver.length);
  for (std::uint64_t length = 0; length <= 130; ++length) {
    const Fd sender(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(sender);
    const int kernel = errno_of(::connect(sender.get(), reinterpret_cast<sockaddr*>(buffer.data()),
                                          static_cast<socklen_t>(length)));
    EXPECT_EQ(decoder_verdict(buffer, length), kernel) << "addrlen " << length;
    if (kernel == 0) {
      const auto decoded = decode_sockaddr(Bytes(buffer).first(length));
      EXPECT_EQ(decoded.value.kind, AddressKind::inet);
      EXPECT_TRUE(address_policy::is_loopback(decoded.value.endpoint.address));
    }
  }
}

TEST(TargetDecodeKernel, Ipv4AddressLengths) { expect_inet_lengths_agree(AF_INET); }

TEST(TargetDecodeKernel, Ipv6AddressLengths) { expect_inet_lengths_agree(AF_INET6); }

// The addrlen register is an int to the kernel: its upper 32 bits do not count, and a negative
// int is EINVAL.
TEST(TargetDecodeKernel, AddressLengthIsAnInt) {
  const Receiver receiver = udp_receiver(AF_INET);
  ASSERT_TRUE(receiver.fd);
  std::array<std::byte, 256> buffer{};
  std::memcpy(buffer.data(), &receiver.address, receiver.length);
  const char payload = 'x';
  for (const std::uint64_t length : {std::uint64_t{0x100000010}, std::uint64_t{0xffffffff},
                                     std::uint64_t{0x80000000}, std::uint64_t{129}}) {
    const Fd sender(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const int kernel =
        errno_of(::syscall(SYS_sendto, sender.get(), &payload, 1, 0, buffer.data(), length));
    EXPECT_EQ(decoder_verdict(buffer, length), kernel) << "addrlen " << std::hex << length;
  }
}

// Runs the test from a fresh temporary directory (relative unix paths land there), then goes
// back.
class InTempDir {
 public:
  InTempDir() : back_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir_.path());
  }
  ~InTempDir() { std::filesystem::current_path(back_); }
  InTempDir(const InTempDir&) = delete;
  InTempDir& operator=(const InTempDir&) = delete;
  InTempDir(InTempDir&&) = delete;
  InTempDir& operator=(InTempDir&&) = delete;

 private:
  test_support::TempDir dir_;
  std::filesystem::path back_;
};

// Unix addresses, bound in a temporary directory (relative paths, so that every prefix a short
// length leaves names a file there) or in the abstract namespace: EINVAL agrees for every
// length, and a bound name is the one the decoder read.
TEST(TargetDecodeKernel, UnixAddressLengths) {
  const InTempDir here;
  for (const bool abstract : {false, true}) {
    for (std::uint64_t length = 0; length <= 130; ++length) {
      std::array<std::byte, 256> buffer{};
      sockaddr_un un{};
      un.sun_family = AF_UNIX;
      const std::string name =
          (abstract ? std::string(1, '\0') + "hermetic-decode-" + std::to_string(::getpid())
                    : std::string("s")) +
          "-" + std::to_string(length) + "-" + std::string(60, 'p');
      std::memcpy(un.sun_path, name.data(), std::min(name.size(), sizeof un.sun_path - 1));
      std::memcpy(buffer.data(), &un, sizeof un);
      // A name longer than the address fills the rest of the buffer past sun_path: the kernel
      // must not read it, nor may the decoder.
      std::memset(buffer.data() + sizeof un, 'z', buffer.size() - sizeof un);
      const Fd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      ASSERT_TRUE(socket);
      const int kernel = errno_of(::bind(socket.get(), reinterpret_cast<sockaddr*>(buffer.data()),
                                         static_cast<socklen_t>(length)));
      const int decoder = decoder_verdict(buffer, length);
      EXPECT_EQ(decoder == EINVAL, kernel == EINVAL) << "addrlen " << length << " " << kernel;
      if (kernel != 0 || decoder != 0) continue;
      const auto decoded = decode_sockaddr(Bytes(buffer).first(length)).value;
      sockaddr_un bound{};
      socklen_t bound_length = sizeof bound;
      ASSERT_EQ(::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&bound), &bound_length), 0);
      if (length == offsetof(sockaddr_un, sun_path)) {
        EXPECT_EQ(decoded.kind, AddressKind::unix_unnamed);  // autobind: the kernel named it
        continue;
      }
      EXPECT_EQ(decoded.kind, abstract ? AddressKind::unix_abstract : AddressKind::unix_path);
      const std::size_t shown = bound_length - offsetof(sockaddr_un, sun_path);
      const std::string kernel_name =
          abstract ? std::string(bound.sun_path + 1, shown - 1)
                   : std::string(bound.sun_path, strnlen(bound.sun_path, shown));
      EXPECT_EQ(decoded.unix_name, kernel_name) << "addrlen " << length;
    }
  }
}

// connect() to a unix address of sun_family alone is EINVAL (unix_validate_addr); only bind
// takes it, as autobind. The decoder calls it unnamed and leaves that to the call.
TEST(TargetDecodeKernel, UnnamedUnixAddress) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  const auto decoded = decode_sockaddr(bytes_of(un, offsetof(sockaddr_un, sun_path)));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value.kind, AddressKind::unix_unnamed);
  EXPECT_EQ(describe(decoded.value), "(unnamed)");
  const Fd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(errno_of(::connect(socket.get(), reinterpret_cast<sockaddr*>(&un),
                               offsetof(sockaddr_un, sun_path))),
            EINVAL);
}

TEST(TargetDecode, OtherFamiliesByTheirField) {
  sockaddr_storage storage{};
  storage.ss_family = AF_NETLINK;
  const auto decoded = decode_sockaddr(bytes_of(storage, 12));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value.kind, AddressKind::other);
  EXPECT_EQ(describe(decoded.value), "family 16");
  EXPECT_EQ(decode_sockaddr(bytes_of(storage, 1)).error, EINVAL);
  EXPECT_EQ(decode_sockaddr(bytes_of(storage, 0)).error, EINVAL);
}

// An AF_UNSPEC address: connect dissolves the association; bind and datagram sends read it as
// AF_INET, so the decoder reads the IPv4 address it carries.
TEST(TargetDecode, UnspecifiedFamilyReadsAsIpv4) {
  sockaddr_in in{};
  in.sin_family = AF_UNSPEC;
  in.sin_port = htons(80);
  in.sin_addr.s_addr = htonl(0x0a000001);
  const auto decoded = decode_sockaddr(bytes_of(in));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value.kind, AddressKind::inet);
  EXPECT_EQ(describe(decoded.value), "10.0.0.1:80");
  EXPECT_EQ(decode_sockaddr(bytes_of(in, 8)).value.kind, AddressKind::unspec);
}

// ---- messages ----

// A UDP sender connected to a loopback receiver, and a message to it.
struct Datagram {
  Receiver receiver;
  Fd sender;
  char payload = 'x';
  iovec iov{&payload, 1};
  msghdr header{};
};

void connect_datagram(Datagram& d, int family) {
  d.receiver = udp_receiver(family);
  if (!d.receiver.fd) return;
  d.sender = Fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (::connect(d.sender.get(), reinterpret_cast<sockaddr*>(&d.receiver.address),
                d.receiver.length) != 0) {
    d.sender.reset();
  }
  d.header.msg_iov = &d.iov;
  d.header.msg_iovlen = 1;
}

// The decoder's verdict on a whole sendmsg: the header, then the iovecs and control data it
// points at (all in this process, so "copying" is reading them here).
int decoder_sendmsg(const msghdr& header) {
  const auto plan = decode_msghdr(bytes_of(header));
  if (!plan.ok()) return plan.error;
  if (plan.value.name_length != 0) {
    const auto name = decode_sockaddr(
        {reinterpret_cast<const std::byte*>(plan.value.name), plan.value.name_length});
    if (!name.ok()) return name.error;
  }
  const auto iovs = decode_iovecs({reinterpret_cast<const std::byte*>(plan.value.iov),
                                   plan.value.iov_count * sizeof(KernelIovec)});
  if (!iovs.ok()) return iovs.error;
  return inspect_control(
             {reinterpret_cast<const std::byte*>(plan.value.control), plan.value.control_length})
      .error;
}

TEST(TargetDecodeKernel, MessageNameLengths) {
  Datagram d;
  connect_datagram(d, AF_INET);
  ASSERT_TRUE(d.sender);
  std::array<std::byte, 512> name{};
  std::memcpy(name.data(), &d.receiver.address, d.receiver.length);
  for (const int namelen : {-1, 0, 1, 15, 16, 128, 129, 200, 512, INT_MAX, INT_MIN}) {
    for (const bool null_name : {false, true}) {
      d.header.msg_name = null_name ? nullptr : name.data();
      d.header.msg_namelen = static_cast<socklen_t>(namelen);
      const int kernel = errno_of(kernel_sendmsg(d.sender.get(), d.header));
      EXPECT_EQ(decoder_sendmsg(d.header), kernel) << namelen << (null_name ? " NULL" : "");
    }
  }
}

TEST(TargetDecodeKernel, IovecCountsAndLengths) {
  Datagram d;
  connect_datagram(d, AF_INET);
  ASSERT_TRUE(d.sender);
  std::vector<iovec> iovs(1100, iovec{&d.payload, 0});
  d.header.msg_iov = iovs.data();
  for (const std::size_t count :
       {std::size_t{0}, std::size_t{1}, std::size_t{1024}, std::size_t{1025}, std::size_t{1100}}) {
    d.header.msg_iovlen = count;
    const int kernel = errno_of(kernel_sendmsg(d.sender.get(), d.header));
    EXPECT_EQ(decoder_sendmsg(d.header), kernel) << count << " iovecs";
  }
  // A length that does not fit ssize_t is EINVAL before anything is read.
  iovs[1].iov_len = static_cast<std::size_t>(SSIZE_MAX) + 1;
  d.header.msg_iovlen = 2;
  EXPECT_EQ(errno_of(kernel_sendmsg(d.sender.get(), d.header)), EINVAL);
  EXPECT_EQ(decoder_sendmsg(d.header), EINVAL);
}

TEST(TargetDecodeKernel, ControlLengthOverIntMax) {
  Datagram d;
  connect_datagram(d, AF_INET);
  ASSERT_TRUE(d.sender);
  std::array<std::byte, 64> control{};
  d.header.msg_control = control.data();
  d.header.msg_controllen = std::size_t{INT_MAX} + 1;
  EXPECT_EQ(errno_of(kernel_sendmsg(d.sender.get(), d.header)), ENOBUFS);
  EXPECT_EQ(decoder_sendmsg(d.header), ENOBUFS);
}

// Control buffers of messages at a level nobody reads (so the kernel only walks them): random
// lengths around the header size and the buffer's end, and tails of every size. The kernel
// and the walk agree on EINVAL for each.
TEST(TargetDecodeKernel, ControlMessageWalk) {
  Datagram d;
  connect_datagram(d, AF_INET);
  ASSERT_TRUE(d.sender);
  std::mt19937 random(14);  // fixed seed: the same buffers on every run
  constexpr int kUnreadLevel = 0x7777;
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::byte> control(random() % 96);
    std::size_t at = 0;
    while (at + sizeof(KernelCmsghdr) <= control.size()) {
      KernelCmsghdr header{};
      const std::uint64_t left = control.size() - at;
      const std::array<std::uint64_t, 6> lengths{random() % 16, 16,       16 + random() % 24,
                                                 left,          left + 1, 0xffffffffffffff00U};
      header.len = lengths[random() % lengths.size()];
      header.level = kUnreadLevel;
      header.type = 1;
      std::memcpy(control.data() + at, &header, sizeof header);
      at += (std::max<std::uint64_t>(header.len, 16) + 7) & ~std::uint64_t{7};
      if (header.len > left) break;
    }
    d.header.msg_control = control.empty() ? nullptr : control.data();
    d.header.msg_controllen = control.size();
    const int kernel = errno_of(kernel_sendmsg(d.sender.get(), d.header));
    ASSERT_EQ(decoder_sendmsg(d.header), kernel) << "round " << round;
  }
}

// An ifindex in IP_PKTINFO, IPV6_PKTINFO or IPV6_2292PKTINFO is the interface the kernel sends
// from: an index no interface has is ENODEV, so the kernel read it as one. The decoder reports
// each such index; the supervisor refuses any but loopback's.
TEST(TargetDecodeKernel, PacketInfoNamesTheOutgoingInterface) {
  constexpr int kNoSuchInterface = 0x7ffffff0;
  struct Case {
    int family;
    int level;
    int type;
  };
  for (const Case c :
       {Case{AF_INET, IPPROTO_IP, IP_PKTINFO}, Case{AF_INET6, IPPROTO_IPV6, IPV6_PKTINFO},
        Case{AF_INET6, IPPROTO_IPV6, 2}}) {
    Datagram d;
    connect_datagram(d, c.family);
    if (!d.sender) GTEST_SKIP() << "no loopback for family " << c.family;
    for (const int index : {static_cast<int>(if_nametoindex("lo")), kNoSuchInterface}) {
      std::array<std::byte, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
      const std::size_t size = c.family == AF_INET ? sizeof(in_pktinfo) : sizeof(in6_pktinfo);
      KernelCmsghdr header{CMSG_LEN(size), c.level, c.type};
      std::memcpy(control.data(), &header, sizeof header);
      const std::size_t index_at = c.family == AF_INET ? offsetof(in_pktinfo, ipi_ifindex)
                                                       : offsetof(in6_pktinfo, ipi6_ifindex);
      std::memcpy(control.data() + sizeof header + index_at, &index, sizeof index);
      d.header.msg_control = control.data();
      d.header.msg_controllen = CMSG_SPACE(size);
      const int kernel = errno_of(kernel_sendmsg(d.sender.get(), d.header));
      EXPECT_EQ(kernel, index == kNoSuchInterface ? ENODEV : 0) << c.type;
      const auto facts = inspect_control(Bytes(control).first(CMSG_SPACE(size)));
      ASSERT_TRUE(facts.ok());
      EXPECT_EQ(facts.value.out_interfaces, std::vector<int>{index}) << c.type;
    }
  }
}

TEST(TargetDecode, SourceRoutingAndRights) {
  std::array<std::byte, 64> control{};
  const KernelCmsghdr rights{CMSG_LEN(2 * sizeof(int)), SOL_SOCKET, SCM_RIGHTS};
  std::memcpy(control.data(), &rights, sizeof rights);
  const KernelCmsghdr route{CMSG_LEN(8), IPPROTO_IPV6, 5};  // IPV6_2292RTHDR
  std::memcpy(control.data() + CMSG_SPACE(2 * sizeof(int)), &route, sizeof route);
  const auto facts = inspect_control(Bytes(control).first(CMSG_SPACE(2 * sizeof(int)) + 24));
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts.value.rights, (std::vector<std::size_t>{16, 20}));
  EXPECT_TRUE(facts.value.source_routed);
}

// sendmmsg's vlen is an unsigned int, capped at UIO_MAXIOV: the kernel sends that many.
TEST(TargetDecodeKernel, MessageCount) {
  Datagram d;
  connect_datagram(d, AF_INET);
  ASSERT_TRUE(d.sender);
  std::vector<mmsghdr> messages(1100);
  for (auto& m : messages) m.msg_hdr = d.header;
  for (const std::uint64_t vlen :
       {std::uint64_t{3}, std::uint64_t{0x100000002}, std::uint64_t{1100}}) {
    const long sent = ::syscall(SYS_sendmmsg, d.sender.get(), messages.data(), vlen, 0);
    EXPECT_EQ(sent, static_cast<long>(message_count(vlen))) << std::hex << vlen;
  }
  const auto headers = decode_mmsghdrs(
      {reinterpret_cast<const std::byte*>(messages.data()), 3 * sizeof(mmsghdr) + 10});
  ASSERT_EQ(headers.size(), 3U);
  EXPECT_EQ(headers[2].iovlen, 1U);
  EXPECT_EQ(headers[2].iov, reinterpret_cast<std::uint64_t>(d.header.msg_iov));
}

}  // namespace
}  // namespace hermetic::target_decode
