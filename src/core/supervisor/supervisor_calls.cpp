#include "supervisor/supervisor_calls.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>

#include "base/fd.hpp"
#include "supervisor/target_decode.hpp"
#include "supervisor/unotify.hpp"

namespace hermetic::supervisor {
namespace {

using address_policy::Operation;

using target_decode::Bytes;
using target_decode::KernelMmsghdr;

// At most this much data is copied per call. A stream send may be partial, so a larger send
// returns a short count and the caller sends the rest. A datagram is never cut: one this large
// is refused (EMSGSIZE), and sendmmsg stops before a message that does not fit whole.
constexpr std::size_t kMaxPayload = 1U << 20U;

// What the caller passed is copied here and interpreted by target_decode only, which reads it
// as the kernel does (its structures, length rules and errnos).
Bytes bytes_of(const std::vector<std::uint8_t>& buffer) { return std::as_bytes(std::span(buffer)); }

// A socket address copied from the caller.
struct Sockaddr {
  target_decode::SocketAddress address;  // the copy the call is performed with
  bool present = false;
  int invalid = 0;  // the kernel's errno for these bytes, answered once the call is decided
};

// Copies `length` bytes (already checked by target_decode) at `pointer` and decodes them.
int copy_sockaddr(pid_t tid, std::uint64_t pointer, std::size_t length, Sockaddr& out) {
  std::array<std::byte, target_decode::kMaxSockaddr> bytes{};
  if (int err = unotify::read_memory(tid, pointer, bytes.data(), length)) return err;
  auto decoded = target_decode::decode_sockaddr(std::span(bytes).first(length));
  out.present = true;
  out.invalid = decoded.error;
  out.address = std::move(decoded.value);
  return 0;
}

// The address argument of connect, bind (always read, as the kernel reads it) and sendto (read
// unless NULL).
int copy_address_argument(pid_t tid, std::uint64_t pointer, std::uint64_t length, Sockaddr& out) {
  const auto size = target_decode::address_length(length);
  if (!size.ok()) return size.error;
  return copy_sockaddr(tid, pointer, size.value, out);
}

// A message copied from the caller (sendmsg, sendmmsg), data flattened into one buffer: iovec
// boundaries mean nothing to a socket.
struct Message {
  Sockaddr name;
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> control;
  target_decode::ControlFacts facts;  // of `control`
  std::vector<Fd> passed;             // SCM_RIGHTS fds taken from the caller
  bool cut = false;  // data is shorter than the caller's: the payload budget ran out
  iovec iov{};
  msghdr header{};

  // Points the header at the copies. Call after the last change to the vectors.
  void seal() {
    iov = {data.data(), data.size()};
    header = {};
    header.msg_name = name.present ? &name.address.storage : nullptr;
    header.msg_namelen = name.present ? name.address.length : 0;
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control.empty() ? nullptr : control.data();
    header.msg_controllen = control.size();
  }
};

// Copies a message whose header the caller passed. `budget` is the payload left.
int copy_message(pid_t tid, const target_decode::MessagePlan& plan, std::size_t& budget,
                 Message& out) {
  if (plan.name_length != 0) {
    if (int err = copy_sockaddr(tid, plan.name, plan.name_length, out.name)) return err;
  }
  std::vector<std::uint8_t> iov_bytes(plan.iov_count * sizeof(target_decode::KernelIovec));
  if (int err = unotify::read_memory(tid, plan.iov, iov_bytes.data(), iov_bytes.size())) {
    return err;
  }
  const auto iovs = target_decode::decode_iovecs(bytes_of(iov_bytes));
  if (!iovs.ok()) return iovs.error;
  for (const auto& part : iovs.value) {
    const std::size_t take = std::min<std::uint64_t>(part.len, budget);
    out.cut = out.cut || take < part.len;
    const std::size_t at = out.data.size();
    out.data.resize(at + take);
    if (int err = unotify::read_memory(tid, part.base, out.data.data() + at, take)) return err;
    budget -= take;
  }
  out.control.resize(plan.control_length);
  if (int err = unotify::read_memory(tid, plan.control, out.control.data(), out.control.size())) {
    return err;
  }
  auto facts = target_decode::inspect_control(bytes_of(out.control));
  if (!facts.ok()) return facts.error;
  out.facts = std::move(facts.value);
  return 0;
}

// SCM_RIGHTS carries the caller's fd numbers; swap them for our duplicates of the same files.
int take_passed_fds(int pidfd, Message& message) {
  for (const std::size_t at : message.facts.rights) {
    int number = 0;
    std::memcpy(&number, message.control.data() + at, sizeof number);
    Fd ours;
    if (int err = unotify::take_fd(pidfd, number, ours)) return err;
    const int mine = ours.get();
    std::memcpy(message.control.data() + at, &mine, sizeof mine);
    message.passed.push_back(std::move(ours));
  }
  return 0;
}

// An IP_PKTINFO or IPV6_PKTINFO control message that names an outgoing interface other than
// loopback: the kernel then sends even a loopback destination out of that interface.
bool leaves_by_an_interface(const Message& message) {
  static const unsigned loopback = if_nametoindex("lo");
  const auto& indexes = message.facts.out_interfaces;
  return std::any_of(indexes.begin(), indexes.end(),
                     [](int index) { return static_cast<unsigned>(index) != loopback; });
}

// What to do with a copied address, and (for unix paths) the copy made usable from here.
struct Decision {
  bool allowed = false;
  int error = 0;
  std::string shown;  // the address as --trace prints it
  std::string_view why;
  Fd cwd;  // keeps the caller's working directory open while a relative unix path is used
};

bool same_mount_namespace(pid_t tid) {
  struct stat ours {};
  struct stat theirs {};
  if (::stat("/proc/self/ns/mnt", &ours) != 0) return false;
  if (::stat(("/proc/" + std::to_string(tid) + "/ns/mnt").c_str(), &theirs) != 0) return false;
  return ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

// A unix socket path names a file as the caller sees it: relative to its working directory, in
// its mount namespace (the hosts overlay gives it one of its own). Reach the same file from here
// through /proc/self/fd/N of the caller's cwd or root. False when that path does not fit.
bool rebase_unix_path(pid_t tid, target_decode::SocketAddress& address, Decision& decision) {
  const std::string& path = address.unix_name;  // not empty: sun_path[0] is not NUL
  const bool relative = path.front() != '/';
  if (!relative && same_mount_namespace(tid)) return true;
  decision.cwd = Fd(::open(("/proc/" + std::to_string(tid) + (relative ? "/cwd" : "/root")).c_str(),
                           O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!decision.cwd) return false;
  const std::string rebased =
      "/proc/self/fd/" + std::to_string(decision.cwd.get()) + (relative ? "/" : "") + path;
  sockaddr_un un{};
  if (rebased.size() >= sizeof un.sun_path) return false;
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, rebased.c_str(), rebased.size());
  address.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + rebased.size() + 1);
  address.storage = {};
  std::memcpy(&address.storage, &un, sizeof un);
  return true;
}

Decision decide_unix(Operation operation, pid_t tid, const CallEnv& env,
                     target_decode::SocketAddress& address) {
  using target_decode::AddressKind;
  Decision d;
  d.shown = target_decode::describe(address);
  const bool abstract = address.kind == AddressKind::unix_abstract;
  if (address.kind == AddressKind::unix_unnamed || (abstract && operation == Operation::bind)) {
    d.allowed = true;  // autobind, or naming our own abstract socket: reaches nobody
    return d;
  }
  if (abstract) {
    // --no-network scopes abstract sockets to the sandbox (Landlock); this process is outside
    // that scope, so it must not connect for the caller. EPERM is what the scope answers.
    d.error = EPERM;
    d.why = "abstract unix socket outside the sandbox";
    return d;
  }
  if (operation == Operation::bind && env.fs_readonly) {
    // Binding creates a file, which the read-only filesystem forbids the caller; this process
    // is not under the caller's Landlock rules, so refuse here.
    d.error = EACCES;
    d.why = "creating a unix socket file on a read-only filesystem";
    return d;
  }
  if (!rebase_unix_path(tid, address, d)) {
    d.error = ENAMETOOLONG;
    d.why = "unix socket path too long to reach from outside the sandbox";
    return d;
  }
  d.allowed = true;
  return d;
}

// The rule for an IPv4 or IPv6 address (the copy, never the target's memory).
Decision decide_ip(Operation operation, const CallEnv& env,
                   const address_policy::Endpoint& endpoint) {
  Decision d;
  const auto verdict = env.addresses.decide(operation, endpoint);
  d.shown = address_policy::to_string(endpoint);
  d.allowed = verdict.allowed;
  d.error = verdict.allowed ? 0 : EACCES;
  d.why = verdict.reason;
  return d;
}

// An unspecified destination (0.0.0.0, ::, ::ffff:0.0.0.0) means "this host": the kernel sends
// it to the socket's own source address, which is loopback unless the socket is tied to an
// interface (SO_BINDTODEVICE, an IP_PKTINFO source), whose address it then reaches. What
// --allow-localhost allows is loopback: the call is performed with the loopback address.
void pin_unspecified_to_loopback(sockaddr_storage& storage) {
  if (storage.ss_family == AF_INET || storage.ss_family == AF_UNSPEC) {
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof in);
    if (in.sin_addr.s_addr == htonl(INADDR_ANY)) in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memcpy(&storage, &in, sizeof in);
    return;
  }
  if (storage.ss_family != AF_INET6) return;
  sockaddr_in6 in6{};
  std::memcpy(&in6, &storage, sizeof in6);
  if (IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr)) {
    in6.sin6_addr = in6addr_loopback;
  } else if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr) && in6.sin6_addr.s6_addr32[3] == 0) {
    in6.sin6_addr.s6_addr32[3] = htonl(INADDR_LOOPBACK);
  }
  std::memcpy(&storage, &in6, sizeof in6);
}

// The rule for one copied address, as given. Anything not understood is refused.
Decision decide_copy(Operation operation, pid_t tid, const CallEnv& env, Sockaddr& copied) {
  using target_decode::AddressKind;
  Decision d;
  if (!copied.present) {
    d.allowed = true;  // the connected peer
    return d;
  }
  if (copied.invalid != 0) {
    d.error = copied.invalid;  // the kernel would refuse these bytes too
    return d;
  }
  auto& address = copied.address;
  if (address.family == AF_UNSPEC && operation == Operation::connect) {
    d.allowed = true;  // dissolves the association; names no peer
    return d;
  }
  switch (address.kind) {
    case AddressKind::unix_path:
    case AddressKind::unix_abstract:
    case AddressKind::unix_unnamed:
      return decide_unix(operation, tid, env, address);
    // bind and UDP sends take AF_UNSPEC as AF_INET (the kernel's compatibility rule): the
    // decoder read the IPv4 address it carries, or found it too short.
    case AddressKind::inet:
      return decide_ip(operation, env, address.endpoint);
    case AddressKind::unspec:
      d.error = EINVAL;
      return d;
    case AddressKind::other:
      break;
  }
  d.error = EACCES;  // sockets of other families cannot be made here; an inherited one
  d.shown = target_decode::describe(address);
  d.why = "address family not allowed";
  return d;
}

// The rule for one copied address. Anything not understood is refused. An allowed unspecified
// destination is rewritten to loopback in the copy, which is what the call is performed with.
Decision decide(Operation operation, pid_t tid, const CallEnv& env, Sockaddr& address) {
  Decision d = decide_copy(operation, tid, env, address);
  if (d.allowed && address.present && operation != Operation::bind) {
    pin_unspecified_to_loopback(address.address.storage);
  }
  return d;
}

// A copied message: its address, and no source routing in its control messages.
Decision decide_message(pid_t tid, const CallEnv& env, Message& message) {
  Decision d = decide(Operation::send, tid, env, message.name);
  if (d.allowed && message.facts.source_routed) {
    d.allowed = false;
    d.error = EACCES;
    d.why = "source routing";
  }
  if (d.allowed && leaves_by_an_interface(message)) {
    d.allowed = false;
    d.error = EACCES;
    d.why = "an outgoing interface other than loopback";
  }
  return d;
}

// The caller's pidfd and socket, taken after its memory was copied.
struct Caller {
  Fd pidfd;
  Fd socket;
};

// Takes the caller's socket (args[0] of every supervised call). Returns 0 or an errno.
int take_socket(const seccomp_notif& n, Caller& caller) {
  auto pidfd = unotify::open_pidfd(static_cast<pid_t>(n.pid));
  if (!pidfd) return ESRCH;
  caller.pidfd = std::move(pidfd).value();
  return unotify::take_fd(caller.pidfd.get(), static_cast<int>(n.data.args[0]), caller.socket);
}

// A message cut to the payload budget may go out on a stream, which takes partial sends; on any
// other socket it would arrive as a shorter datagram than was sent. The kernel refuses datagrams
// this large (EMSGSIZE) on every socket but a unix one with a send buffer forced that high.
int refuse_cut_datagram(const Caller& caller, bool cut) {
  if (!cut) return 0;
  int type = 0;
  socklen_t length = sizeof type;
  if (::getsockopt(caller.socket.get(), SOL_SOCKET, SO_TYPE, &type, &length) != 0) return errno;
  return type == SOCK_STREAM ? 0 : EMSGSIZE;
}

Reply refused(const char* call, const Decision& d) {
  Reply reply;
  reply.error = d.error != 0 ? d.error : EACCES;
  if (!d.why.empty()) {
    reply.blocked = std::string(call) + "(" + d.shown + ")";
    reply.why = d.why;
  }
  return reply;
}

// The kernel raises SIGPIPE in a thread whose send hits a closed stream, unless it passed
// MSG_NOSIGNAL. The supervisor's own send never raises it (it always passes MSG_NOSIGNAL), so it
// raises it in the caller, before answering, as the kernel would.
void raise_sigpipe_if_due(const seccomp_notif& n, std::uint64_t caller_flags, long rc) {
  if (rc >= 0 || errno != EPIPE || (caller_flags & MSG_NOSIGNAL) != 0) return;
  const int saved = errno;
  const auto tid = static_cast<pid_t>(n.pid);
  const pid_t tgid = unotify::thread_group_of(tid);
  if (tgid > 0) ::syscall(SYS_tgkill, tgid, tid, SIGPIPE);
  errno = saved;
}

Reply result_of(long rc) {
  Reply reply;
  if (rc < 0) {
    reply.error = errno;
  } else {
    reply.value = rc;
  }
  return reply;
}

// Registers the socket as in flight for the duration of the call, and first tells the pool when
// the call may block (a socket without O_NONBLOCK): the pool then lets another thread take the
// next notification. A non-blocking socket's call is answered at once by the same thread.
class InFlightGuard {
 public:
  InFlightGuard(InFlight& in_flight, int fd, const MayBlock& may_block)
      : in_flight_(in_flight), fd_(fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK) == 0) may_block();
    in_flight.add(fd);
  }
  ~InFlightGuard() { in_flight_.remove(fd_); }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;
  InFlightGuard(InFlightGuard&&) = delete;
  InFlightGuard& operator=(InFlightGuard&&) = delete;

 private:
  InFlight& in_flight_;
  int fd_;
};

Reply stale() {
  Reply reply;
  reply.stale = true;
  return reply;
}

// connect(fd, addr, len) and bind(fd, addr, len).
Reply address_call(Operation operation, const seccomp_notif& n, int listener, const CallEnv& env,
                   const MayBlock& may_block) {
  const auto tid = static_cast<pid_t>(n.pid);
  Sockaddr address;
  const int copy_error = copy_address_argument(tid, n.data.args[1], n.data.args[2], address);
  Caller caller;
  const int take_error = copy_error != 0 ? 0 : take_socket(n, caller);
  // Decide before the validity check: a unix path is resolved through the caller's /proc
  // entries, which must still be the caller's.
  Decision d;
  if (copy_error == 0 && take_error == 0 && address.present)
    d = decide(operation, tid, env, address);
  if (!unotify::still_valid(listener, n.id)) return stale();
  if (copy_error != 0) return Reply{0, copy_error == EINVAL ? EINVAL : EFAULT, {}, {}, false};
  if (take_error != 0) return Reply{0, take_error, {}, {}, false};
  if (!d.allowed) return refused(operation == Operation::bind ? "bind" : "connect", d);
  const InFlightGuard guard(env.in_flight, caller.socket.get(), may_block);
  const auto* sa = reinterpret_cast<const sockaddr*>(&address.address.storage);
  const socklen_t length = address.address.length;
  return result_of(operation == Operation::bind ? ::bind(caller.socket.get(), sa, length)
                                                : ::connect(caller.socket.get(), sa, length));
}

// listen(fd, backlog). A socket that was never bound is bound by listen() itself, to the
// unspecified address: every interface, open to other hosts, where bind() allows loopback
// only. Such a socket is bound to loopback (port chosen by the kernel) first, where bind()
// would allow that (--allow-localhost); otherwise, like an IP socket bound elsewhere (inherited
// from the caller), it is refused.
Reply listen_call(const seccomp_notif& n, int listener, const CallEnv& env) {
  Caller caller;
  const int take_error = take_socket(n, caller);
  if (!unotify::still_valid(listener, n.id)) return stale();
  if (take_error != 0) return Reply{0, take_error, {}, {}, false};
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::getsockname(caller.socket.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    return result_of(-1);
  }
  if (bound.ss_family == AF_INET || bound.ss_family == AF_INET6) {
    const auto endpoint = address_policy::from_sockaddr(bound, length);
    if (!endpoint) return Reply{0, EINVAL, {}, {}, false};
    const bool unbound = address_policy::is_unspecified(endpoint->address) && endpoint->port == 0;
    sockaddr_storage loopback = bound;
    pin_unspecified_to_loopback(loopback);
    const auto on_loopback = address_policy::from_sockaddr(loopback, length);
    if (unbound && on_loopback && env.addresses.decide(Operation::bind, *on_loopback).allowed) {
      if (::bind(caller.socket.get(), reinterpret_cast<const sockaddr*>(&loopback), length) != 0) {
        return result_of(-1);
      }
    } else if (!env.addresses.decide(Operation::bind, *endpoint).allowed) {
      Decision d;
      d.error = EACCES;
      d.shown = address_policy::to_string(*endpoint);
      d.why = "listen on an address not allowed";
      return refused("listen", d);
    }
  }
  return result_of(::listen(caller.socket.get(), static_cast<int>(n.data.args[1])));
}

// sendto(fd, buf, len, flags, addr, addrlen) with addr != NULL (BPF passes the others).
Reply sendto_call(const seccomp_notif& n, int listener, const CallEnv& env,
                  const MayBlock& may_block) {
  const auto tid = static_cast<pid_t>(n.pid);
  Sockaddr address;
  // sendto(..., NULL, len): no address, whatever len says (the kernel reads neither).
  int copy_error =
      n.data.args[4] == 0 ? 0 : copy_address_argument(tid, n.data.args[4], n.data.args[5], address);
  std::vector<std::uint8_t> data(std::min<std::uint64_t>(n.data.args[2], kMaxPayload));
  if (copy_error == 0)
    copy_error = unotify::read_memory(tid, n.data.args[1], data.data(), data.size());
  Caller caller;
  int take_error = copy_error != 0 ? 0 : take_socket(n, caller);
  if (take_error == 0 && copy_error == 0)
    take_error = refuse_cut_datagram(caller, n.data.args[2] > data.size());
  Decision d;
  if (copy_error == 0 && take_error == 0) d = decide(Operation::send, tid, env, address);
  if (!unotify::still_valid(listener, n.id)) return stale();
  if (copy_error != 0) return Reply{0, copy_error == EINVAL ? EINVAL : EFAULT, {}, {}, false};
  if (take_error != 0) return Reply{0, take_error, {}, {}, false};
  if (!d.allowed) return refused("sendto", d);
  const InFlightGuard guard(env.in_flight, caller.socket.get(), may_block);
  // MSG_NOSIGNAL: a broken pipe must not raise SIGPIPE in hermetic (see raise_sigpipe_if_due).
  const auto flags = static_cast<int>(n.data.args[3]) | MSG_NOSIGNAL;
  const long rc = ::sendto(
      caller.socket.get(), data.data(), data.size(), flags,
      address.present ? reinterpret_cast<const sockaddr*>(&address.address.storage) : nullptr,
      address.address.length);
  raise_sigpipe_if_due(n, n.data.args[3], rc);
  return result_of(rc);
}

// sendmsg(fd, msg, flags): every call is trapped, since msg_name is in memory.
Reply sendmsg_call(const seccomp_notif& n, int listener, const CallEnv& env,
                   const MayBlock& may_block) {
  const auto tid = static_cast<pid_t>(n.pid);
  std::array<std::byte, sizeof(target_decode::KernelMsghdr)> header{};
  Message message;
  std::size_t budget = kMaxPayload;
  int copy_error = unotify::read_memory(tid, n.data.args[1], header.data(), header.size());
  if (copy_error == 0) {
    const auto remote = target_decode::decode_msghdr(header);
    copy_error = remote.ok() ? copy_message(tid, remote.value, budget, message) : remote.error;
  }
  Caller caller;
  int take_error = copy_error != 0 ? 0 : take_socket(n, caller);
  if (take_error == 0 && copy_error == 0) take_error = take_passed_fds(caller.pidfd.get(), message);
  if (take_error == 0 && copy_error == 0) take_error = refuse_cut_datagram(caller, message.cut);
  Decision d;
  if (copy_error == 0 && take_error == 0) d = decide_message(tid, env, message);
  if (!unotify::still_valid(listener, n.id)) return stale();
  if (copy_error != 0) return Reply{0, copy_error, {}, {}, false};
  if (take_error != 0) return Reply{0, take_error, {}, {}, false};
  if (!d.allowed) return refused("sendmsg", d);
  message.seal();
  const InFlightGuard guard(env.in_flight, caller.socket.get(), may_block);
  const auto flags = static_cast<int>(n.data.args[2]) | MSG_NOSIGNAL;
  const long rc = ::sendmsg(caller.socket.get(), &message.header, flags);
  raise_sigpipe_if_due(n, n.data.args[2], rc);
  return result_of(rc);
}

// sendmmsg(fd, msgvec, vlen, flags): all messages are copied and decided before any is sent; one
// refused address refuses the call. Sent counts go back into the caller's msg_len fields.
Reply sendmmsg_call(const seccomp_notif& n, int listener, const CallEnv& env,
                    const MayBlock& may_block) {
  const auto tid = static_cast<pid_t>(n.pid);
  const std::size_t count = target_decode::message_count(n.data.args[2]);
  std::vector<std::uint8_t> headers(count * sizeof(KernelMmsghdr));
  int copy_error = unotify::read_memory(tid, n.data.args[1], headers.data(), headers.size());
  const auto remote = target_decode::decode_mmsghdrs(bytes_of(headers));
  std::vector<Message> messages(count);
  std::size_t budget = kMaxPayload;
  std::size_t copied = 0;
  for (; copy_error == 0 && copied < count; ++copied) {
    // A message that does not fit the payload budget whole waits for the caller's next call:
    // sendmmsg may send fewer messages than asked, but a datagram must not be cut. Only the
    // first message can be cut (see refuse_cut_datagram).
    if (copied > 0 && budget == 0) break;
    const auto plan = target_decode::plan_message(remote[copied]);
    copy_error = plan.ok() ? copy_message(tid, plan.value, budget, messages[copied]) : plan.error;
    if (copy_error == 0 && copied > 0 && messages[copied].cut) break;
  }
  messages.resize(copied);
  Caller caller;
  int take_error = copy_error != 0 ? 0 : take_socket(n, caller);
  if (take_error == 0 && copy_error == 0 && !messages.empty())
    take_error = refuse_cut_datagram(caller, messages.front().cut);
  for (auto& message : messages) {
    if (take_error == 0 && copy_error == 0)
      take_error = take_passed_fds(caller.pidfd.get(), message);
  }
  std::vector<Decision> decisions;  // all allowed, or ending with the first refusal
  for (std::size_t i = 0; copy_error == 0 && take_error == 0 && i < messages.size(); ++i) {
    decisions.push_back(decide_message(tid, env, messages[i]));
    if (!decisions.back().allowed) break;
  }
  if (!unotify::still_valid(listener, n.id)) return stale();
  if (copy_error != 0) return Reply{0, copy_error, {}, {}, false};
  if (take_error != 0) return Reply{0, take_error, {}, {}, false};
  if (messages.empty()) return Reply{};  // vlen 0: nothing sent
  if (!decisions.back().allowed) return refused("sendmmsg", decisions.back());
  std::vector<mmsghdr> local(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    messages[i].seal();
    local[i].msg_hdr = messages[i].header;
  }
  const InFlightGuard guard(env.in_flight, caller.socket.get(), may_block);
  const auto flags = static_cast<int>(n.data.args[3]) | MSG_NOSIGNAL;
  const int sent =
      ::sendmmsg(caller.socket.get(), local.data(), static_cast<unsigned>(local.size()), flags);
  raise_sigpipe_if_due(n, n.data.args[3], sent);
  if (sent < 0) return result_of(sent);
  for (int i = 0; i < sent; ++i) {
    // Best effort, as the kernel's own put_user: the messages are sent either way.
    const std::uint64_t field = n.data.args[1] +
                                static_cast<std::uint64_t>(i) * sizeof(KernelMmsghdr) +
                                offsetof(KernelMmsghdr, len);
    [[maybe_unused]] const int ignored = unotify::write_memory(
        tid, field, &local[static_cast<std::size_t>(i)].msg_len, sizeof(unsigned));
  }
  return Reply{sent, 0, {}, {}, false};
}

}  // namespace

void InFlight::add(int fd) {
  const std::lock_guard lock(mutex_);
  fds_.push_back(fd);
  if (aborting_) ::shutdown(fd, SHUT_RDWR);
}

void InFlight::remove(int fd) {
  const std::lock_guard lock(mutex_);
  const auto it = std::find(fds_.begin(), fds_.end(), fd);
  if (it != fds_.end()) fds_.erase(it);
}

void InFlight::abort_all() {
  const std::lock_guard lock(mutex_);
  aborting_ = true;
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

Reply perform(std::string_view syscall, const seccomp_notif& notification, int listener,
              const CallEnv& env, const MayBlock& may_block) {
  const auto& n = notification;
  if (syscall == "connect") return address_call(Operation::connect, n, listener, env, may_block);
  if (syscall == "bind") return address_call(Operation::bind, n, listener, env, may_block);
  if (syscall == "sendto") return sendto_call(n, listener, env, may_block);
  if (syscall == "sendmsg") return sendmsg_call(n, listener, env, may_block);
  if (syscall == "sendmmsg") return sendmmsg_call(n, listener, env, may_block);
  if (syscall == "listen") return listen_call(n, listener, env);
  return Reply{0, ENOSYS, {}, {}, false};  // a supervised rule without a handler: refuse
}

}  // namespace hermetic::supervisor
