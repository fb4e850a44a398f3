#include "seccomp/syscall_rules.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/fscrypt.h>
#include <linux/fsverity.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace hermetic::syscall_rules {
namespace {

using enum Capability;
using enum ArgTest;

// open/openat flags asking to truncate without write access: the access mode O_RDONLY, or 3
// (which asks for neither read nor write), with O_TRUNC. As masked comparisons: the mask in
// the upper 32 bits, the value in the lower. The access mode is the flags' two low bits, as the
// kernel reads them: not O_ACCMODE, which musl defines as 3 | O_PATH.
constexpr std::uint64_t kAccessMode = 3;
constexpr std::uint64_t kTruncMask = kAccessMode | O_TRUNC;
constexpr std::uint64_t kTruncReadOnly = (kTruncMask << 32U) | O_RDONLY | O_TRUNC;
constexpr std::uint64_t kTruncNoAccess = (kTruncMask << 32U) | kAccessMode | O_TRUNC;
// --report's opens that Landlock decides: write access, creation, and (under a read root) reads.
// None of them overlaps the truncation rows above (each notifies, those refuse): O_WRONLY and
// O_RDWR by the access mode alone, O_CREAT without O_TRUNC for the other two modes, reads without
// O_TRUNC and without O_PATH (no access to the contents, nothing for Landlock to check).
constexpr std::uint64_t kOpenWriteOnly = (kAccessMode << 32U) | O_WRONLY;
constexpr std::uint64_t kOpenReadWrite = (kAccessMode << 32U) | O_RDWR;
constexpr std::uint64_t kCreateMask = kAccessMode | O_CREAT | O_TRUNC;
constexpr std::uint64_t kCreateReadOnly = (kCreateMask << 32U) | O_RDONLY | O_CREAT;
constexpr std::uint64_t kCreateNoAccess = (kCreateMask << 32U) | kAccessMode | O_CREAT;
constexpr std::uint64_t kReadMask = kAccessMode | O_TRUNC | O_PATH;
constexpr std::uint64_t kOpenRead = (kReadMask << 32U) | O_RDONLY;

// MFD_NOEXEC_SEAL (<linux/memfd.h>, Linux 6.3; not in every libc's headers): a memfd that is not
// executable and can never be made so.
constexpr std::uint64_t kMfdNoexecSeal = 0x0008U;

// ext4's own ioctls (<linux/ext4.h> is not in every libc's headers) that change a file or the
// filesystem and check ownership or a capability, not that the fd is open for writing.
constexpr std::uint64_t kExt4SetVersion = _IOW('f', 4, long);   // the inode's generation
constexpr std::uint64_t kExt4SetVersion32 = _IOW('f', 4, int);  // the same, 32-bit callers
constexpr std::uint64_t kExt4Migrate = _IO('f', 9);             // block map to extents
constexpr std::uint64_t kExt4AllocDaBlocks = _IO('f', 12);      // delayed allocation now
constexpr std::uint64_t kExt4SwapBoot = _IO('f', 17);           // with the boot loader inode
constexpr std::uint64_t kExt4ResizeFs = _IOW('f', 16, std::uint64_t);
constexpr std::uint64_t kExt4GroupExtend = _IOW('f', 7, unsigned long);
constexpr std::uint64_t kExt4SetFsUuid = _IOW('f', 44, std::uint64_t);  // struct fsuuid head
constexpr std::uint64_t kExt4Shutdown = _IOR('X', 125, std::uint32_t);
// EXT4_IOC_SET_TUNE_SB_PARAM (Linux 6.18): _IOW('f', 46, struct ext4_tune_sb_params), whose size
// changed within 6.18.y; the kernel matches the whole number, so the row matches any size.
constexpr std::uint64_t kIocSizeMask = 0x3fffU << 16U;
constexpr std::uint64_t kExt4SetTuneSb =
    ((0xffffffffULL & ~kIocSizeMask) << 32U) | (_IOW('f', 46, std::uint32_t) & ~kIocSizeMask);

// ioctl(fd, request): the kernel reads the request as an unsigned int, so only the low 32 bits
// are compared (a request with bits set above them is the same request to the kernel).
constexpr std::uint64_t ioctl_request(std::uint64_t request) {
  return (0xffffffffULL << 32U) | (request & 0xffffffffULL);
}

// socket() families kept with address exceptions: the supervisor sees every address they use.
constexpr std::uint64_t kSupervisedFamilies =
    (1ULL << AF_UNIX) | (1ULL << AF_INET) | (1ULL << AF_INET6);
// Socket types whose destination is the address of connect/send: not SOCK_RAW (with
// IP_HDRINCL the packet carries a destination of its own) nor SOCK_PACKET.
constexpr std::uint64_t kSupervisedTypes =
    (1ULL << SOCK_STREAM) | (1ULL << SOCK_DGRAM) | (1ULL << SOCK_SEQPACKET);
// Protocols whose destination is the address of connect/send. Not SCTP (sctp_connectx passes
// addresses through setsockopt, and its sendmsg can name one in a control message) nor MPTCP
// (the peer can announce further addresses the kernel then connects to).
constexpr std::uint64_t kSupervisedProtocols = (1ULL << 0) | (1ULL << IPPROTO_ICMP) |
                                               (1ULL << IPPROTO_TCP) | (1ULL << IPPROTO_UDP) |
                                               (1ULL << IPPROTO_ICMPV6);

constexpr std::uint64_t level_option(std::uint64_t level, std::uint64_t option) {
  return (level << 32U) | option;
}
// Options that tie a socket to an interface (<asm-generic/socket.h>, <linux/in.h>, <linux/in6.h>;
// not in every libc's headers).
constexpr std::uint64_t kSoBindToIfindex = 62;
constexpr std::uint64_t kIpUnicastIf = 50;
constexpr std::uint64_t kIpv6UnicastIf = 76;
// IPV6_2292RTHDR and IPV6_2292PKTOPTIONS from <linux/in6.h> (glibc's netinet/in.h lacks them).
constexpr std::uint64_t kIpv6_2292PktOptions = 6;
constexpr std::uint64_t kIpv6_2292Rthdr = 5;
// The netfilter tables' setsockopt interface (<linux/netfilter_ipv4/ip_tables.h> and kin):
// replacing a table works on any IP socket, and a NAT rule sends an allowed connect elsewhere.
constexpr std::uint64_t kIptSoSetReplace = 64;       // IPT_SO_SET_REPLACE, IP6T_ at SOL_IPV6
constexpr std::uint64_t kIptSoSetAddCounters = 65;   // IPT_SO_SET_ADD_COUNTERS, IP6T_ too
constexpr std::uint64_t kArptSoSetReplace = 96;      // ARPT_SO_SET_REPLACE
constexpr std::uint64_t kArptSoSetAddCounters = 97;  // ARPT_SO_SET_ADD_COUNTERS
constexpr std::uint64_t kEbtSoSetEntries = 128;      // EBT_SO_SET_ENTRIES
constexpr std::uint64_t kEbtSoSetCounters = 129;     // EBT_SO_SET_COUNTERS

constexpr std::array kRules{
    // --no-network: no socket of any family but AF_UNIX (local IPC keeps working, so asyncio's
    // socketpair and logging to /dev/log are fine). EACCES is what hermetic-seal users see from
    // a firewall-like refusal.
    Rule{network, "socket", EACCES, arg0_not_equal, AF_UNIX, "sockets other than AF_UNIX",
         When::without_addresses},
    // --allow-localhost / --allow-domain: IP sockets are created, and every call that names an
    // address goes to the supervisor, which copies the address once, decides, and performs the
    // call itself. EACCES for every network refusal: one errno per capability for --trace.
    Rule{network, "socket", EACCES, arg0_not_in, kSupervisedFamilies,
         "sockets other than AF_UNIX, AF_INET, AF_INET6", When::with_addresses},
    Rule{network, "socket", EACCES, arg1_type_not_in, kSupervisedTypes, "raw or packet socket",
         When::with_addresses},
    Rule{network, "socket", EACCES, arg2_not_in, kSupervisedProtocols,
         "protocol other than TCP, UDP, ICMP", When::with_addresses},
    // Source routing sends the packet to the first hop of a list the caller chooses, whatever
    // address connect() was allowed: no IPv4 options, no IPv6 routing headers.
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IP, IP_OPTIONS),
         "IPv4 source routing option", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IPV6, IPV6_RTHDR),
         "IPv6 routing header", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IPV6, kIpv6_2292Rthdr), "IPv6 routing header, RFC 2292",
         When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IPV6, kIpv6_2292PktOptions), "IPv6 sticky options, RFC 2292",
         When::with_addresses},
    // A socket tied to an interface sends even a loopback destination out of that interface
    // (towards its gateway, payload and all): no binding to a device, no sticky outgoing
    // interface. (An IP_PKTINFO/IPV6_PKTINFO control message naming one is the supervisor's.)
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(SOL_SOCKET, SO_BINDTODEVICE),
         "binding a socket to an interface", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(SOL_SOCKET, kSoBindToIfindex),
         "binding a socket to an interface", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IP, kIpUnicastIf),
         "IPv4 outgoing interface", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IPV6, kIpv6UnicastIf),
         "IPv6 outgoing interface", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IPV6, IPV6_PKTINFO),
         "IPv6 sticky outgoing interface", When::with_addresses},
    // Netfilter tables (a root target): a DNAT rule would send an allowed connect to any host.
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IP, kIptSoSetReplace),
         "iptables table replace", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IP, kIptSoSetAddCounters), "iptables counters", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IPV6, kIptSoSetReplace), "ip6tables table replace",
         When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IPV6, kIptSoSetAddCounters), "ip6tables counters",
         When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IP, kArptSoSetReplace), "arptables table replace",
         When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IP, kArptSoSetAddCounters), "arptables counters",
         When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal, level_option(IPPROTO_IP, kEbtSoSetEntries),
         "ebtables entries", When::with_addresses},
    Rule{network, "setsockopt", EACCES, arg1_arg2_equal,
         level_option(IPPROTO_IP, kEbtSoSetCounters), "ebtables counters", When::with_addresses},
    Rule{network, "connect", EACCES, always, 0, "connect to an address not allowed",
         When::supervised_calls, Action::supervise},
    Rule{network, "bind", EACCES, always, 0, "bind to an address other than loopback",
         When::supervised_calls, Action::supervise},
    // listen() on a socket never bound binds it to every interface itself.
    Rule{network, "listen", EACCES, always, 0, "listen on an address other than loopback",
         When::supervised_calls, Action::supervise},
    // sendto without an address goes to the connected peer, which connect() already checked.
    Rule{network, "sendto", EACCES, arg4_not_zero, 0, "send to an address not allowed",
         When::supervised_calls, Action::supervise},
    // msghdr lives in memory BPF cannot read: every sendmsg/sendmmsg (TCP Fast Open included).
    Rule{network, "sendmsg", EACCES, always, 0, "sendmsg to an address not allowed",
         When::supervised_calls, Action::supervise},
    Rule{network, "sendmmsg", EACCES, always, 0, "sendmmsg to an address not allowed",
         When::supervised_calls, Action::supervise},
    // io_uring can connect without the socket()/connect() syscalls (IORING_OP_SOCKET/CONNECT).
    // ENOSYS makes liburing users fall back to plain syscalls, which the rule above covers.
    Rule{network, "io_uring_setup", ENOSYS, always, 0, "io_uring (IORING_OP_CONNECT/SOCKET)"},
    // Packets without a socket: BPF_PROG_TEST_RUN with live XDP frames hands a frame to the
    // network stack, and a tun device injects what is written to it (both need CAP_NET_ADMIN
    // or CAP_BPF, which a root target has). No bpf() at all: its uses here are all privileged.
    Rule{network, "bpf", EPERM, always, 0, "bpf (XDP test runs inject packets)"},
    Rule{network, "ioctl", EACCES, arg1_masked_equal, ioctl_request(TUNSETIFF),
         "ioctl TUNSETIFF (a tun/tap device injects packets)"},

    // --no-subprocess: no new processes. Threads stay: clone with CLONE_THREAD passes. With an
    // --allow-exec list processes may be created (the listed programs need them: git and gcc
    // fork their helpers) and Landlock EXECUTE decides what they run (kernel_layer.cpp).
    Rule{subprocess, "fork", EPERM, always, 0, "fork", When::without_programs},
    Rule{subprocess, "vfork", EPERM, always, 0, "vfork", When::without_programs},
    Rule{subprocess, "clone", EPERM, arg0_bits_clear, CLONE_THREAD, "clone without CLONE_THREAD",
         When::without_programs},
    // clone3 passes its flags in memory, which seccomp cannot read. ENOSYS (never EPERM) makes
    // glibc fall back to clone(), where the rule above can see the flags: threads keep working.
    // Kept with an --allow-exec list too: the flags it hides are clone's, which that row sees.
    Rule{subprocess, "clone3", ENOSYS, always, 0, "clone3 (glibc falls back to clone)"},
    // No exec after the target's own. Landlock EXECUTE must allow the target's ELF loader, and
    // the loader run as a program maps any other binary itself; so hermetic execs the target
    // with execveat carrying a one-time token (kernel_layer) and every other exec is denied.
    // EACCES, as Landlock's own refusal. (With an --allow-exec list the loaders of the listed
    // programs are granted, and that route is open: docs/subprocess.md says why it stays.)
    Rule{subprocess, "execve", EACCES, always, 0, "exec after the target's own",
         When::without_programs},
    Rule{subprocess, "execveat", EACCES, not_exec_token, 0, "exec after the target's own",
         When::without_programs},
    // With an --allow-exec list, Landlock decides each exec by the file's path, and it lets
    // every file of a filesystem no one can mount through: a memfd is one, so a memfd holding
    // any program would run (fexecve, /proc/self/fd/N). A memfd made with MFD_NOEXEC_SEAL
    // (Linux 6.3) can never be executable; every other memfd_create fails with ENOSYS, the
    // answer of a kernel without the call, on which programs fall back to a file (shm_open,
    // a temporary file: paths Landlock judges).
    Rule{subprocess, "memfd_create", ENOSYS, arg1_masked_equal, kMfdNoexecSeal << 32U,
         "memfd_create without MFD_NOEXEC_SEAL", When::with_programs},
    // --report with an --allow-exec list: Landlock EXECUTE refuses the programs off the list and
    // tells nobody, so every exec after the target's own (which carries the exec token, as
    // without a list) notifies, and the supervisor reports those Landlock will refuse
    // (supervisor/landlock_report.hpp). The exec goes on: Landlock decides.
    Rule{subprocess, "execve", 0, always, 0, "exec (--report)", When::reporting_with_programs,
         Action::landlock_reported},
    Rule{subprocess, "execveat", 0, not_exec_token, 0, "exec after the target's own (--report)",
         When::reporting_with_programs, Action::landlock_reported},

    // --fs-readonly: what Landlock has no right for. Writes, creation, removal, renames, links,
    // truncation and mknod (MAKE_*) are Landlock's; these change metadata in place. Seccomp
    // cannot see paths (they are pointers), so the supervisor decides: it copies the path once,
    // resolves the object, and performs the call itself when the object lies in the private
    // TMPDIR or an --allow-write path (supervisor_metadata.hpp); everywhere else the call fails
    // with EROFS ("Read-only file system"), which is what the flag means, what tools already
    // handle, and tells --trace the capability apart from network (EACCES) and subprocess
    // (EPERM). Where no supervisor can serve (apply_to_self; a kernel without user
    // notification) rules_for() turns these rows into plain refusals, writable places included.
    Rule{fs_write, "chmod", EROFS, always, 0, "chmod", When::always, Action::supervise},
    Rule{fs_write, "fchmod", EROFS, always, 0, "fchmod", When::always, Action::supervise},
    Rule{fs_write, "fchmodat", EROFS, always, 0, "fchmodat", When::always, Action::supervise},
    Rule{fs_write, "fchmodat2", EROFS, always, 0, "fchmodat2 (Linux 6.6)", When::always,
         Action::supervise, 452},
    Rule{fs_write, "chown", EROFS, always, 0, "chown", When::always, Action::supervise},
    Rule{fs_write, "fchown", EROFS, always, 0, "fchown", When::always, Action::supervise},
    Rule{fs_write, "lchown", EROFS, always, 0, "lchown", When::always, Action::supervise},
    Rule{fs_write, "fchownat", EROFS, always, 0, "fchownat", When::always, Action::supervise},
    Rule{fs_write, "utime", EROFS, always, 0, "utime", When::always, Action::supervise},
    Rule{fs_write, "utimes", EROFS, always, 0, "utimes", When::always, Action::supervise},
    Rule{fs_write, "futimesat", EROFS, always, 0, "futimesat", When::always, Action::supervise},
    Rule{fs_write, "utimensat", EROFS, always, 0, "utimensat (also futimens)", When::always,
         Action::supervise},
    Rule{fs_write, "setxattr", EROFS, always, 0, "setxattr", When::always, Action::supervise},
    Rule{fs_write, "lsetxattr", EROFS, always, 0, "lsetxattr", When::always, Action::supervise},
    Rule{fs_write, "fsetxattr", EROFS, always, 0, "fsetxattr", When::always, Action::supervise},
    // The *xattrat calls (Linux 6.13) pass value and flags in a struct; nothing uses them yet,
    // so they stay refused everywhere.
    Rule{fs_write, "setxattrat", EROFS, always, 0, "setxattrat (Linux 6.13)", When::always,
         Action::deny, 463},
    Rule{fs_write, "removexattr", EROFS, always, 0, "removexattr", When::always, Action::supervise},
    Rule{fs_write, "lremovexattr", EROFS, always, 0, "lremovexattr", When::always,
         Action::supervise},
    Rule{fs_write, "fremovexattr", EROFS, always, 0, "fremovexattr", When::always,
         Action::supervise},
    Rule{fs_write, "removexattrat", EROFS, always, 0, "removexattrat (Linux 6.13)", When::always,
         Action::deny, 466},
    // Truncation is these rows' too, not Landlock's TRUNCATE right (ABI 3): a domain that
    // handles TRUNCATE settles it at every open of a regular file, walking the path up to the
    // root wherever it is not granted: ~1.3 us more per open, for every open of the run. Without
    // it, ftruncate needs an fd open for writing and O_WRONLY/O_RDWR | O_TRUNC write access,
    // both Landlock's WRITE_FILE; what is left is truncation without write access, refused
    // here wherever it is asked for (the TMPDIR too).
    Rule{fs_write, "truncate", EROFS, always, 0, "truncate by path"},
    Rule{fs_write, "open", EROFS, arg1_masked_equal, kTruncReadOnly,
         "open O_RDONLY|O_TRUNC (truncation without write access)"},
    Rule{fs_write, "open", EROFS, arg1_masked_equal, kTruncNoAccess,
         "open with access mode 3 and O_TRUNC"},
    Rule{fs_write, "openat", EROFS, arg2_masked_equal, kTruncReadOnly,
         "openat O_RDONLY|O_TRUNC (truncation without write access)"},
    Rule{fs_write, "openat", EROFS, arg2_masked_equal, kTruncNoAccess,
         "openat with access mode 3 and O_TRUNC"},
    // --report: Landlock's refusals reach nobody (its audit records need root's audit netlink),
    // so with a report the calls it decides under --fs-readonly notify: opens with write access
    // or creation (masked comparisons: the reads of a run cost nothing more), and every call that
    // makes, removes, renames or links a name. The supervisor writes a line for each that the
    // run's Landlock layers will refuse and lets the kernel run the call: Landlock decides
    // (supervisor/landlock_report.hpp). Without --report none of these rows exists.
    Rule{fs_write, "open", 0, arg1_masked_equal, kOpenWriteOnly, "open O_WRONLY (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "open", 0, arg1_masked_equal, kOpenReadWrite, "open O_RDWR (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "open", 0, arg1_masked_equal, kCreateReadOnly, "open O_CREAT (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "open", 0, arg1_masked_equal, kCreateNoAccess, "open O_CREAT (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "openat", 0, arg2_masked_equal, kOpenWriteOnly, "openat O_WRONLY (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "openat", 0, arg2_masked_equal, kOpenReadWrite, "openat O_RDWR (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "openat", 0, arg2_masked_equal, kCreateReadOnly, "openat O_CREAT (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "openat", 0, arg2_masked_equal, kCreateNoAccess, "openat O_CREAT (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_write, "creat", 0, always, 0, "creat (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "mkdir", 0, always, 0, "mkdir (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "mkdirat", 0, always, 0, "mkdirat (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "mknod", 0, always, 0, "mknod (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "mknodat", 0, always, 0, "mknodat (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "unlink", 0, always, 0, "unlink (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "unlinkat", 0, always, 0, "unlinkat (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "rmdir", 0, always, 0, "rmdir (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "rename", 0, always, 0, "rename (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "renameat", 0, always, 0, "renameat (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "renameat2", 0, always, 0, "renameat2 (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "link", 0, always, 0, "link (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "linkat", 0, always, 0, "linkat (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "symlink", 0, always, 0, "symlink (--report)", When::reporting,
         Action::landlock_reported},
    Rule{fs_write, "symlinkat", 0, always, 0, "symlinkat (--report)", When::reporting,
         Action::landlock_reported},
    // openat2 carries its flags in a struct no BPF can read; ENOSYS makes callers (systemd,
    // some libcs) fall back to openat. io_uring opens files with no open call at all.
    Rule{fs_write, "openat2", ENOSYS, always, 0, "openat2 (flags out of seccomp's sight)",
         When::always, Action::deny, 437},
    Rule{fs_write, "io_uring_setup", ENOSYS, always, 0, "io_uring (IORING_OP_OPENAT)"},
    // open_by_handle_at opens by handle with the same flags (needs CAP_DAC_READ_SEARCH).
    Rule{fs_write, "open_by_handle_at", EROFS, arg2_masked_equal, kTruncReadOnly,
         "open_by_handle_at O_RDONLY|O_TRUNC (truncation without write access)"},
    Rule{fs_write, "open_by_handle_at", EROFS, arg2_masked_equal, kTruncNoAccess,
         "open_by_handle_at with access mode 3 and O_TRUNC"},
    // ioctls that change a file or its filesystem through an fd opened for reading, which
    // Landlock does not look at (its IOCTL_DEV right covers device files only): inode flags
    // (immutable, append-only, ...), project ids and extended attributes, the inode version,
    // the filesystem's label, an encryption policy, discards of free blocks.
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC_SETFLAGS),
         "ioctl FS_IOC_SETFLAGS (chattr)"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC32_SETFLAGS),
         "ioctl FS_IOC32_SETFLAGS (chattr)"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC_FSSETXATTR),
         "ioctl FS_IOC_FSSETXATTR"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC_SETVERSION),
         "ioctl FS_IOC_SETVERSION"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC32_SETVERSION),
         "ioctl FS_IOC32_SETVERSION"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC_SETFSLABEL),
         "ioctl FS_IOC_SETFSLABEL"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC_SET_ENCRYPTION_POLICY),
         "ioctl FS_IOC_SET_ENCRYPTION_POLICY"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FITRIM), "ioctl FITRIM"},
    // fs-verity seals a file read-only for good, asked on an fd opened for reading.
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FS_IOC_ENABLE_VERITY),
         "ioctl FS_IOC_ENABLE_VERITY"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4SetVersion),
         "ioctl EXT4_IOC_SETVERSION"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4SetVersion32),
         "ioctl EXT4_IOC32_SETVERSION"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4Migrate),
         "ioctl EXT4_IOC_MIGRATE"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4AllocDaBlocks),
         "ioctl EXT4_IOC_ALLOC_DA_BLKS"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4SwapBoot),
         "ioctl EXT4_IOC_SWAP_BOOT"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4ResizeFs),
         "ioctl EXT4_IOC_RESIZE_FS"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4GroupExtend),
         "ioctl EXT4_IOC_GROUP_EXTEND"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4SetFsUuid),
         "ioctl EXT4_IOC_SETFSUUID"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(kExt4Shutdown),
         "ioctl EXT4_IOC_SHUTDOWN"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, kExt4SetTuneSb,
         "ioctl EXT4_IOC_SET_TUNE_SB_PARAM (superblock parameters)"},
    // Freezing a filesystem (root, through any fd on it) hangs every writer on it, outside the
    // sandbox too.
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FIFREEZE),
         "ioctl FIFREEZE (freezes the filesystem)"},
    Rule{fs_write, "ioctl", EROFS, arg1_masked_equal, ioctl_request(FITHAW), "ioctl FITHAW"},
    // The new mount API: Landlock refuses mount(2) and move_mount, but fsconfig acts on a
    // filesystem before any mount (FSCONFIG_CMD_CREATE of an overlay empties its workdir), and a
    // user namespace gives an unprivileged target the right to ask. Nothing here is a write a
    // sandboxed tool needs.
    Rule{fs_write, "fsopen", EROFS, always, 0, "fsopen (new mount API)", When::always, Action::deny,
         430},
    Rule{fs_write, "fsconfig", EROFS, always, 0, "fsconfig (new mount API)", When::always,
         Action::deny, 431},
    Rule{fs_write, "fsmount", EROFS, always, 0, "fsmount (new mount API)", When::always,
         Action::deny, 432},
    Rule{fs_write, "fspick", EROFS, always, 0, "fspick (new mount API)", When::always, Action::deny,
         433},
    Rule{fs_write, "open_tree", EROFS, always, 0, "open_tree (new mount API)", When::always,
         Action::deny, 428},
    Rule{fs_write, "move_mount", EROFS, always, 0, "move_mount (new mount API)", When::always,
         Action::deny, 429},
    Rule{fs_write, "mount_setattr", EROFS, always, 0, "mount_setattr (new mount API)", When::always,
         Action::deny, 442},
    // POSIX message queues live in a filesystem of their own (mqueue), which Landlock does not
    // see: creating one (mq_open with O_CREAT creates it even where it then fails) and removing
    // one (another process's too) are writes. Sending to an existing queue is IPC, as SysV's.
    Rule{fs_write, "mq_open", EROFS, arg1_masked_equal,
         (std::uint64_t{O_CREAT} << 32U) | std::uint64_t{O_CREAT}, "mq_open with O_CREAT"},
    Rule{fs_write, "mq_unlink", EROFS, always, 0, "mq_unlink"},

    // --fs-readonly=ROOT with --report: every open for reading (the rows of fs_write above take
    // the others), for the lines of Landlock's refusals outside the root.
    Rule{fs_read, "open", 0, arg1_masked_equal, kOpenRead, "open O_RDONLY (--report)",
         When::reporting, Action::landlock_reported},
    Rule{fs_read, "openat", 0, arg2_masked_equal, kOpenRead, "openat O_RDONLY (--report)",
         When::reporting, Action::landlock_reported},
    // --fs-readonly=ROOT: open_by_handle_at opens a file from a handle, with no path for Landlock
    // to confine (it needs CAP_DAC_READ_SEARCH, which a root target has). EACCES, as Landlock
    // answers a denied open.
    Rule{fs_read, "open_by_handle_at", EACCES, always, 0, "open by file handle (no path)"},
    // The kernel keyring holds secrets outside any path (request_key and KEYCTL_READ find a key
    // the user stored in a keyring the target inherits). EACCES, as a key it may not read.
    Rule{fs_read, "request_key", EACCES, always, 0, "request_key (the kernel keyring)"},
    Rule{fs_read, "keyctl", EACCES, always, 0, "keyctl (the kernel keyring)"},
    Rule{fs_read, "add_key", EACCES, always, 0, "add_key (the kernel keyring)"},

    // --block-native, once the interpreter is up: no new executable memory, so no shared
    // library (an extension module loaded by any route, ctypes' libraries, libffi trampolines)
    // can bring native code in. EACCES, as mapping from a noexec mount fails; loaders report it.
    Rule{native_code, "mmap", EACCES, arg2_bits_set, PROT_EXEC, "mmap with PROT_EXEC"},
    Rule{native_code, "mprotect", EACCES, arg2_bits_set, PROT_EXEC, "mprotect to PROT_EXEC"},
    Rule{native_code, "pkey_mprotect", EACCES, arg2_bits_set, PROT_EXEC,
         "pkey_mprotect to PROT_EXEC"},

    // Every kernel-layer policy: the target shares the caller's terminal, and TIOCSTI pushes
    // bytes into its input queue, which the caller's shell reads as typed once the target is
    // gone: a command run outside the sandbox (TIOCLINUX's selection paste does the same on a
    // virtual console). CAP_SYS_ADMIN passes dev.tty.legacy_tiocsti=0, so this stays. EPERM, as
    // the kernel's own refusal.
    Rule{system, "ioctl", EPERM, arg1_masked_equal, ioctl_request(TIOCSTI),
         "ioctl TIOCSTI (typing into the caller's terminal)"},
    Rule{system, "ioctl", EPERM, arg1_masked_equal, ioctl_request(TIOCLINUX),
         "ioctl TIOCLINUX (pasting into a virtual console)"},
    // ... and a root target's way past every rule: code loaded into the kernel itself, a kernel
    // booted in its place. Nothing a sandboxed tool needs. EPERM, as without the capability.
    Rule{system, "init_module", EPERM, always, 0, "init_module (kernel code)"},
    Rule{system, "finit_module", EPERM, always, 0, "finit_module (kernel code)"},
    Rule{system, "delete_module", EPERM, always, 0, "delete_module"},
    Rule{system, "kexec_load", EPERM, always, 0, "kexec_load (another kernel)"},
    Rule{system, "kexec_file_load", EPERM, always, 0, "kexec_file_load (another kernel)"},
};

// The deny rows whose refusals --report's supervisor writes (Action::deny_reported): every
// network row (as --trace has them), a static program's fork and exec (a dynamically linked
// one's libc calls are the preloaded library's, which then leaves these to the supervisor),
// truncation by path or without write access. Not clone3: its ENOSYS is no refusal but glibc's
// way to clone(), where the row sees the flags.
bool refused_with_report(const Rule& rule) {
  if (rule.capability == network) return true;
  if (rule.capability == subprocess) {
    return rule.syscall == "fork" || rule.syscall == "vfork" || rule.syscall == "clone" ||
           rule.syscall == "execve" || rule.syscall == "execveat";
  }
  return rule.capability == fs_write &&
         (rule.syscall == "truncate" || rule.syscall == "open" || rule.syscall == "openat");
}

}  // namespace

std::span<const Rule> all_rules() { return kRules; }

std::vector<Rule> rules_for(const Policy& policy, Supervision supervision,
                            AbstractScope abstract_scope, Reporting reporting) {
  const bool addresses = policy.has_network_exceptions();
  const bool supervised_calls = addresses || abstract_scope == AbstractScope::supervisor;
  const bool reported = reporting == Reporting::on && supervision == Supervision::available;
  std::vector<Rule> out;
  for (const Rule& rule : kRules) {
    const bool wanted = (rule.capability == network && policy.block_network) ||
                        (rule.capability == subprocess && policy.block_subprocess) ||
                        (rule.capability == fs_write && policy.fs_readonly) ||
                        (rule.capability == fs_read && policy.fs_root.has_value()) ||
                        // --no-environment too: typed into the caller's shell, a command runs
                        // with the secret.
                        (rule.capability == system && policy.has_kernel_part());
    const bool now =
        rule.when == When::always ||
        (rule.when == When::with_addresses            ? addresses
         : rule.when == When::without_addresses       ? !addresses
         : rule.when == When::without_programs        ? policy.allow_exec.empty()
         : rule.when == When::with_programs           ? !policy.allow_exec.empty()
         : rule.when == When::reporting               ? reported
         : rule.when == When::reporting_with_programs ? reported && !policy.allow_exec.empty()
                                                      : supervised_calls);
    if (!wanted || !now) continue;
    const bool covered = std::any_of(out.begin(), out.end(), [&](const Rule& earlier) {
      return earlier.syscall == rule.syscall && earlier.test == always;
    });
    if (covered) continue;
    // A row for every call of the syscall makes its narrower rows moot (open_by_handle_at
    // under a read root: refused outright, not only with O_TRUNC).
    if (rule.test == always) {
      std::erase_if(out, [&](const Rule& earlier) { return earlier.syscall == rule.syscall; });
    }
    out.push_back(rule);
    // --trace logs kernel-level network blocks of any program: the supervisor has to hear of
    // them, so the BPF refusal becomes a notification the supervisor refuses and logs.
    if (policy.trace && rule.capability == network && rule.action == Action::deny) {
      out.back().action = Action::trace;
    }
    // Metadata calls in writable places need a supervisor outside the sandbox; without one they
    // are refused everywhere (the safe side: a tool sees EROFS, nothing is let through).
    if (rule.capability == fs_write && rule.action == Action::supervise &&
        supervision == Supervision::unavailable) {
      out.back().action = Action::deny;
    }
    if (reported && out.back().action == Action::deny && refused_with_report(rule)) {
      out.back().action = Action::deny_reported;
    }
  }
  return out;
}

std::vector<Rule> native_code_rules() {
  std::vector<Rule> out;
  for (const Rule& rule : kRules) {
    if (rule.capability == native_code) out.push_back(rule);
  }
  return out;
}

bool needs_supervisor(const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (rule.action != Action::deny) return true;
  }
  return false;
}

bool matches(const Rule& rule, const std::array<std::uint64_t, 6>& args) {
  switch (rule.test) {
    case always:
      return true;
    case arg0_not_equal:
      return args[0] != rule.value;
    case arg0_bits_clear:
      return (args[0] & rule.value) == 0;
    case arg0_not_in:
      return args[0] > 63 || (rule.value & (1ULL << args[0])) == 0;
    case arg4_not_zero:
      return args[4] != 0;
    case arg1_type_not_in:
      return (rule.value & (1ULL << (args[1] & 0xfU))) == 0;
    case arg2_not_in:
      return args[2] > 63 || (rule.value & (1ULL << args[2])) == 0;
    case arg1_arg2_equal:
      return (args[1] & 0xffffffffU) == (rule.value >> 32U) &&
             (args[2] & 0xffffffffU) == (rule.value & 0xffffffffU);
    case not_exec_token:
      return true;  // the token is not in the table; the supervisor never sees these rules
    case arg2_bits_set:
      return (args[2] & rule.value) == rule.value;
    case arg1_masked_equal:
      return (args[1] & (rule.value >> 32U)) == (rule.value & 0xffffffffU);
    case arg2_masked_equal:
      return (args[2] & (rule.value >> 32U)) == (rule.value & 0xffffffffU);
  }
  return true;  // an unknown test matches: the caller refuses the call
}

std::string_view capability_name(Capability capability) {
  switch (capability) {
    case network:
      return "network";
    case subprocess:
      return "subprocess";
    case fs_write:
      return "fs_write";
    case fs_read:
      return "fs_read";
    case native_code:
      return "native_code";
    case system:
      return "system";
  }
  return "?";
}

}  // namespace hermetic::syscall_rules
