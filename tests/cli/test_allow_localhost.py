"""--no-network --allow-localhost: loopback stays reachable, the (namespace) remote host does not,
whatever route a program takes to it. Judged by what the listeners saw."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

pytest.register_assert_rewrite("netns")  # before the import: netns is also a plugin
from netns import CounterServer, probe_argv, run_hermetic  # noqa: E402

# The fixtures (hermetic_bin, loopback, remote, namespace, c_helper) come from netns as a
# plugin: registered once, so the session-wide namespace and servers exist once.
pytest_plugins = ["netns"]

FLAGS = ["--no-network", "--allow-localhost"]

# Python probe modes (tests/helpers/net_probe.py) and what one successful attempt leaves.
PY_MODES = {
    "connect": ["tcp"],
    "connect_ex": ["tcp"],
    "nonblocking": ["tcp"],
    "udp_sendto": ["udp"],
    "udp_sendmsg": ["udp"],
    "udp_sendmmsg": ["udp", "udp"],
    "tcp_fastopen": ["tcp"],
    "asyncio_connect": ["tcp"],
    "threads": ["tcp"] * 4,
    "forked": ["tcp"],
}
RAW_MODES = {
    "connect": ["tcp"],
    "fastopen": ["tcp"],
    "sendto": ["udp"],
    "sendmsg": ["udp"],
    "sendmmsg": ["udp", "udp"],
}


def test_loopback_listener_is_reachable(hermetic_bin: str, loopback: CounterServer) -> None:
    result = run_hermetic(hermetic_bin, FLAGS, probe_argv("http", "127.0.0.1", loopback.port))
    assert result.returncode == 0, result.stderr
    assert loopback.events() == ["tcp"]
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("mode", sorted(PY_MODES))
def test_python_reaches_loopback_through_the_supervisor(
    hermetic_bin: str, loopback: CounterServer, mode: str
) -> None:
    # The supervisor performs each of these calls itself: they must arrive intact.
    result = run_hermetic(hermetic_bin, FLAGS, probe_argv(mode, "127.0.0.1", loopback.port))
    assert result.stdout.strip() == "ok", result.stdout + result.stderr
    assert sorted(loopback.events()) == sorted(PY_MODES[mode])


@pytest.mark.parametrize("mode", sorted(PY_MODES))
def test_python_cannot_reach_the_remote_host(
    hermetic_bin: str, remote: CounterServer, mode: str
) -> None:
    # Control: the same probe, unsandboxed, does reach the remote host.
    control = subprocess.run(
        probe_argv(mode, remote.host, remote.port), capture_output=True, text=True, timeout=60
    )
    assert control.stdout.strip() == "ok", control.stdout + control.stderr
    assert sorted(remote.events()) == sorted(PY_MODES[mode])

    result = run_hermetic(hermetic_bin, FLAGS, probe_argv(mode, remote.host, remote.port))
    assert remote.events() == []
    assert result.stdout.strip() == "errno 13", result.stdout + result.stderr


@pytest.mark.parametrize("mode", sorted(RAW_MODES))
def test_raw_syscalls_reach_loopback_but_not_the_remote_host(
    hermetic_bin: str, loopback: CounterServer, remote: CounterServer, c_helper, mode: str
) -> None:
    raw = c_helper("raw")
    ok = run_hermetic(hermetic_bin, FLAGS, [raw, mode, "127.0.0.1", str(loopback.port)])
    assert ok.stdout.strip() == "ok", ok.stdout + ok.stderr
    assert sorted(loopback.events()) == sorted(RAW_MODES[mode])

    refused = run_hermetic(hermetic_bin, FLAGS, [raw, mode, remote.host, str(remote.port)])
    assert remote.events() == []
    assert refused.stdout.strip() == "errno 13", refused.stdout + refused.stderr


def test_bash_dev_tcp(hermetic_bin: str, loopback: CounterServer, remote: CounterServer) -> None:
    script = "exec 3<>/dev/tcp/{}/{} && echo ok"
    local = script.format("127.0.0.1", loopback.port)
    ok = run_hermetic(hermetic_bin, FLAGS, ["bash", "-c", local])
    assert ok.stdout.strip() == "ok", ok.stderr
    assert loopback.events() == ["tcp"]

    refused = run_hermetic(
        hermetic_bin, FLAGS, ["bash", "-c", script.format(remote.host, remote.port)]
    )
    assert refused.returncode != 0
    assert "Permission denied" in refused.stderr
    assert remote.events() == []


def test_curl(hermetic_bin: str, loopback: CounterServer, remote: CounterServer) -> None:
    ok = run_hermetic(
        hermetic_bin,
        FLAGS,
        ["curl", "-sS", "--max-time", "10", f"http://127.0.0.1:{loopback.port}/"],
    )
    assert ok.stdout == "ok", ok.stderr
    assert loopback.events() == ["tcp"]
    refused = run_hermetic(
        hermetic_bin,
        FLAGS,
        ["curl", "-sS", "--max-time", "10", f"http://{remote.host}:{remote.port}/"],
    )
    assert refused.returncode != 0
    assert remote.events() == []


def test_bind_only_on_loopback(hermetic_bin: str) -> None:
    code = (
        "import socket\n"
        "for host in ('127.0.0.1', '0.0.0.0', '::1', '::'):\n"
        "    fam = socket.AF_INET6 if ':' in host else socket.AF_INET\n"
        "    s = socket.socket(fam)\n"
        "    try:\n"
        "        s.bind((host, 0)); s.listen(); print(host, 'ok')\n"
        "    except OSError as e:\n"
        "        print(host, e.errno)\n"
    )
    result = run_hermetic(hermetic_bin, FLAGS, ["python3", "-c", code])
    assert result.stdout.splitlines() == ["127.0.0.1 ok", "0.0.0.0 13", "::1 ok", ":: 13"]


def test_a_local_server_inside_the_sandbox_works(hermetic_bin: str) -> None:
    # bind + listen + accept + connect, all inside the sandbox, over loopback.
    code = (
        "import socket, threading\n"
        "srv = socket.create_server(('127.0.0.1', 0))\n"
        "port = srv.getsockname()[1]\n"
        "t = threading.Thread(target=lambda: srv.accept()[0].sendall(b'hello'))\n"
        "t.start()\n"
        "c = socket.create_connection(('127.0.0.1', port), timeout=10)\n"
        "print(c.recv(5).decode()); t.join()\n"
    )
    result = run_hermetic(hermetic_bin, FLAGS, ["python3", "-c", code])
    assert result.stdout.strip() == "hello", result.stderr


def test_other_socket_families_stay_refused(hermetic_bin: str) -> None:
    code = (
        "import socket\n"
        "for fam in (socket.AF_NETLINK, socket.AF_PACKET):\n"
        "    try:\n"
        "        socket.socket(fam, socket.SOCK_RAW); print('created')\n"
        "    except OSError as e:\n"
        "        print(e.errno)\n"
        "socket.socketpair(); print('unix ok')\n"
    )
    result = run_hermetic(hermetic_bin, FLAGS, ["python3", "-c", code])
    assert result.stdout.splitlines() == ["13", "13", "unix ok"]


def test_eight_threads_by_five_hundred_connections(
    hermetic_bin: str, loopback: CounterServer
) -> None:
    code = (
        "import socket, sys, threading\n"
        "port = int(sys.argv[1]); results = []\n"
        "def work():\n"
        "    ok = 0\n"
        "    for _ in range(500):\n"
        "        with socket.create_connection(('127.0.0.1', port), timeout=30):\n"
        "            ok += 1\n"
        "    results.append(ok)\n"
        "ts = [threading.Thread(target=work) for _ in range(8)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(sum(results))\n"
    )
    result = run_hermetic(
        hermetic_bin, FLAGS, ["python3", "-c", code, str(loopback.port)], timeout=300
    )
    assert result.stdout.strip() == "4000", result.stderr[-2000:]
    assert loopback.events() == ["tcp"] * 4000


def pending_connections(listener: socket.socket) -> int:
    """Connections queued on a non-blocking unix listener (a unix connect is queued by the time
    it returns)."""
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.mark.parametrize(
    "extra", [[], ["--allow-domain", "api.test", "--resolve", "api.test:127.0.0.1"]]
)
def test_unix_socket_paths_resolve_as_the_target_sees_them(
    hermetic_bin: str, tmp_path: Path, extra: list[str]
) -> None:
    # The supervisor performs unix connects too: a relative path is the target's cwd, and an
    # absolute one its mount namespace (its own with --resolve), not the supervisor's.
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "server.sock"))
    listener.listen(16)
    listener.setblocking(False)
    code = (
        "import socket, sys\n"
        "for path in ('server.sock', sys.argv[1]):\n"
        "    s = socket.socket(socket.AF_UNIX); s.connect(path); s.close()\n"
        "try:\n"
        "    socket.socket(socket.AF_UNIX).connect('\\0hermetic-test-abstract')\n"
        "except OSError as e:\n"
        "    print(e.errno)\n"
    )
    result = run_hermetic(
        hermetic_bin,
        FLAGS + extra,
        ["python3", "-c", code, str(tmp_path / "server.sock")],
        cwd=tmp_path,
    )
    assert result.stdout.strip() == "1", result.stderr  # EPERM: abstract sockets stay scoped
    assert pending_connections(listener) == 2
    listener.close()


def test_fd_passing_over_unix_sockets(hermetic_bin: str, tmp_path: Path) -> None:
    # sendmsg with SCM_RIGHTS is performed by the supervisor, which swaps the fd numbers.
    (tmp_path / "secret").write_text("passed")
    code = (
        "import os, socket, sys\n"
        "a, b = socket.socketpair()\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
        "socket.send_fds(a, [b'x'], [fd])\n"
        "_, fds, _, _ = socket.recv_fds(b, 1, 1)\n"
        "print(os.read(fds[0], 100).decode())\n"
    )
    result = run_hermetic(hermetic_bin, FLAGS, ["python3", "-c", code, str(tmp_path / "secret")])
    assert result.stdout.strip() == "passed", result.stderr


# sendmsg with hand-made message headers (ctypes: Python's own sendmsg always builds them right).
# The supervisor copies the caller's struct msghdr and control messages and sends them itself, so
# it must read them as the kernel does: 64-bit lengths whatever the C library's structs say, and
# a control message longer than the buffer refused, not walked past.
MALFORMED_SENDMSG_CODE = """
import ctypes, errno, os, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
a, b = socket.socketpair()
payload = ctypes.create_string_buffer(b"x")
iov = (ctypes.c_uint64 * 2)(ctypes.addressof(payload), 1)

def send(iovlen, control, controllen=None):
    buf = ctypes.create_string_buffer(control, max(len(control), 1))
    header = struct.pack("QixxxxQQQQIxxxx", 0, 0, ctypes.addressof(iov), iovlen,
                         ctypes.addressof(buf) if control else 0,
                         len(control) if controllen is None else controllen, 0)
    raw = ctypes.create_string_buffer(header)
    rc = libc.sendmsg(a.fileno(), raw, 0)
    return "sent" if rc >= 0 else errno.errorcode[ctypes.get_errno()]

rights = struct.pack("QiiI", 1000, socket.SOL_SOCKET, socket.SCM_RIGHTS, 0)  # claims 1000 bytes
high_len = struct.pack("QiiI", (1 << 32) | 20, socket.SOL_SOCKET, socket.SCM_RIGHTS, 0)
good = struct.pack("QiiI", 20, socket.SOL_SOCKET, socket.SCM_RIGHTS, 0) + bytes(4)
print(send(1, rights), send(1, high_len), send((1 << 32) | 1, b""),
      send(1, good, (1 << 32) | len(good)), send(1, good))
"""


def test_malformed_message_headers_fail_as_the_kernel_fails_them(hermetic_bin: str) -> None:
    bare = subprocess.run(
        ["python3", "-c", MALFORMED_SENDMSG_CODE], capture_output=True, text=True, timeout=60
    )
    assert bare.stdout.split() == ["EINVAL", "EINVAL", "EMSGSIZE", "ENOBUFS", "sent"], bare.stderr
    result = run_hermetic(hermetic_bin, FLAGS, ["python3", "-c", MALFORMED_SENDMSG_CODE])
    assert result.stdout == bare.stdout, result.stderr


SIGPIPE_CODE = (
    "import signal, socket\n"
    "a, b = socket.socketpair(); b.close()\n"
    "try:\n"
    "    a.sendmsg([b'x'], [], socket.MSG_NOSIGNAL)\n"
    "except BrokenPipeError:\n"
    "    print('EPIPE', flush=True)\n"
    "signal.signal(signal.SIGPIPE, signal.SIG_DFL)\n"
    "a.sendmsg([b'x'])\n"
    "print('survived', flush=True)\n"
)


def test_broken_pipe_raises_sigpipe_as_the_kernel_would(hermetic_bin: str) -> None:
    control = subprocess.run(
        ["python3", "-c", SIGPIPE_CODE], capture_output=True, text=True, timeout=60
    )
    assert (control.stdout, control.returncode) == ("EPIPE\n", -13)
    result = run_hermetic(hermetic_bin, FLAGS, ["python3", "-c", SIGPIPE_CODE])
    assert (result.stdout, result.returncode) == ("EPIPE\n", -13), result.stderr


def test_ipv6_forms_of_loopback_and_of_the_remote_host(
    hermetic_bin: str, loopback: CounterServer, remote: CounterServer
) -> None:
    code = (
        "import socket, sys\n"
        "for host, port in (('::ffff:127.0.0.1', int(sys.argv[1])), ('::1', 9),\n"
        "                   (f'::ffff:{sys.argv[2]}', int(sys.argv[3]))):\n"
        "    s = socket.socket(socket.AF_INET6)\n"
        "    print(s.connect_ex((host, port)))\n"
    )
    result = run_hermetic(
        hermetic_bin,
        FLAGS,
        ["python3", "-c", code, str(loopback.port), remote.host, str(remote.port)],
    )
    # Mapped loopback reaches the IPv4 listener; ::1 is allowed (nothing listens: refused by the
    # kernel, 111); the mapped remote address is refused by hermetic (13).
    assert result.stdout.split() == ["0", "111", "13"], result.stderr
    assert loopback.events() == ["tcp"]
    assert remote.events() == []


@pytest.mark.parametrize("mode", ["connect", "udp_sendto", "asyncio_connect", "http"])
def test_with_the_inprocess_layer_too(
    hermetic_bin: str, loopback: CounterServer, remote: CounterServer, mode: str
) -> None:
    # An installed hermetic also gives Python targets the in-process layer; the two layers agree:
    # loopback passes both, and the remote host is refused by whichever layer sees it first
    # (the in-process layer: exit 2 and its message; the kernel layer: EACCES).
    ok = run_hermetic(
        hermetic_bin, FLAGS, probe_argv(mode, "127.0.0.1", loopback.port), inprocess=True
    )
    assert ok.stdout.strip() == "ok", ok.stdout + ok.stderr
    assert loopback.events()
    refused = run_hermetic(
        hermetic_bin, FLAGS, probe_argv(mode, remote.host, remote.port), inprocess=True
    )
    assert remote.events() == []
    kernel = refused.stdout.strip() == "errno 13"
    inprocess = refused.returncode == 2 and "hermetic: blocked action: " in refused.stderr
    assert kernel or inprocess, refused.stdout + refused.stderr


# connect, bind and sendto with a unix address longer than struct sockaddr_un (110 bytes; the
# caller may pass up to 128): the kernel refuses the length (EINVAL) before it reads the name.
# The supervisor copies all 128 bytes, so it must refuse the same way, before it reads or shows
# a name past the sockaddr_un it copies it into (no --trace line, no bytes of its own stack).
LONG_UNIX_ADDRESS_CODE = """
import ctypes, errno, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
name = struct.pack("H", socket.AF_UNIX) + b"\\0hermetic-test-long-" + b"A" * 200
address = ctypes.create_string_buffer(name, 256)
results = []
for kind, call in ((socket.SOCK_STREAM, "connect"), (socket.SOCK_DGRAM, "connect"),
                   (socket.SOCK_DGRAM, "bind"), (socket.SOCK_DGRAM, "sendto")):
    for length in (111, 128):
        s = socket.socket(socket.AF_UNIX, kind)
        if call == "sendto":
            rc = libc.sendto(s.fileno(), b"x", 1, 0, address, length)
        else:
            rc = getattr(libc, call)(s.fileno(), address, length)
        results.append("ok" if rc == 0 else errno.errorcode[ctypes.get_errno()])
        s.close()
print(*results)
"""


def test_unix_addresses_longer_than_sockaddr_un_fail_as_the_kernel_fails_them(
    hermetic_bin: str,
) -> None:
    bare = subprocess.run(
        ["python3", "-c", LONG_UNIX_ADDRESS_CODE], capture_output=True, text=True, timeout=60
    )
    assert bare.stdout.split() == ["EINVAL"] * 8, bare.stderr
    result = run_hermetic(
        hermetic_bin, [*FLAGS, "--trace"], ["python3", "-c", LONG_UNIX_ADDRESS_CODE]
    )
    assert result.stdout == bare.stdout, result.stderr
    assert "blocked action" not in result.stderr, result.stderr


# One program sends 20 datagrams of 60,000 bytes with sendmmsg, calling again for the messages a
# call did not send (sendmmsg may send fewer). The supervisor copies at most 1 MiB per call: it
# must stop before a message that does not fit whole, never send a datagram cut short.
SENDMMSG_CODE = """
import ctypes, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)

class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

class Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(Iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]

class Mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", Msghdr), ("len", ctypes.c_uint)]

COUNT, SIZE = 20, 60000
# struct sockaddr_in: the family in host order, port and address in network order.
to = ctypes.create_string_buffer(struct.pack("=H", socket.AF_INET) + struct.pack(
    "!H4s8x", int(sys.argv[1]), socket.inet_aton("127.0.0.1")), 16)
to_ptr = ctypes.cast(to, ctypes.c_void_p)
payloads = [ctypes.create_string_buffer(bytes([i]) * SIZE, SIZE) for i in range(COUNT)]
iovs = (Iovec * COUNT)(*[Iovec(ctypes.cast(p, ctypes.c_void_p), SIZE) for p in payloads])
msgs = (Mmsghdr * COUNT)()
for i in range(COUNT):
    msgs[i].hdr = Msghdr(to_ptr, 16, ctypes.pointer(iovs[i]), 1, None, 0, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = 0
while sent < COUNT:
    n = libc.sendmmsg(s.fileno(), ctypes.byref(msgs, sent * ctypes.sizeof(Mmsghdr)),
                      COUNT - sent, 0)
    if n <= 0:
        raise OSError(ctypes.get_errno(), "sendmmsg")
    sent += n
print("sent", sent)
"""


SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; not in Python's socket module


def received_datagrams(receiver: socket.socket) -> list[tuple[int, int]]:
    """(first byte, length) of each datagram queued on `receiver`."""
    out = []
    while True:
        try:
            data = receiver.recv(65536)
        except BlockingIOError:
            return out
        out.append((data[0], len(data)))


def test_sendmmsg_never_cuts_a_datagram(hermetic_bin: str) -> None:
    expected = [(i, 60000) for i in range(20)]
    for sandboxed in (False, True):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
            try:  # room for all 20 at once: loopback delivers within the call, or drops
                receiver.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
            except PermissionError:
                pytest.skip("needs CAP_NET_ADMIN for a receive buffer that holds 1.2 MB")
            receiver.bind(("127.0.0.1", 0))
            receiver.setblocking(False)
            argv = ["python3", "-c", SENDMMSG_CODE, str(receiver.getsockname()[1])]
            if sandboxed:
                result = run_hermetic(hermetic_bin, FLAGS, argv)
            else:
                result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            assert result.stdout.strip() == "sent 20", result.stderr
            assert received_datagrams(receiver) == expected, "sandboxed" if sandboxed else "bare"


# One unix datagram larger than the supervisor's 1 MiB copy (a root sender may force its send
# buffer that high): it must arrive whole or not at all (EMSGSIZE), never cut to 1 MiB.
BIG_DATAGRAM_CODE = """
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    s.setsockopt(socket.SOL_SOCKET, 32, 4 << 20)  # SO_SNDBUFFORCE
except PermissionError:
    print("no SO_SNDBUFFORCE")
    raise SystemExit(0)
try:
    s.sendmsg([b"x" * (3 << 19)], [], 0, sys.argv[1])
    print("sent")
except OSError as e:
    print("errno", e.errno)
"""


def test_a_datagram_larger_than_the_copy_is_never_cut(hermetic_bin: str, tmp_path: Path) -> None:
    size = 3 << 19
    for sandboxed in (False, True):
        path = tmp_path / f"receiver-{sandboxed}.sock"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
            receiver.bind(str(path))
            receiver.setblocking(False)
            argv = ["python3", "-c", BIG_DATAGRAM_CODE, str(path)]
            if sandboxed:
                result = run_hermetic(hermetic_bin, FLAGS, argv)
            else:
                result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            if result.stdout.strip() == "no SO_SNDBUFFORCE":
                pytest.skip("needs CAP_NET_ADMIN for a send buffer above 1 MiB")
            sizes = []
            while True:
                try:
                    sizes.append(len(receiver.recv(4 << 20)))
                except BlockingIOError:
                    break
        if sandboxed:
            assert sizes in ([], [size]), result.stdout + result.stderr
        else:
            assert sizes == [size], result.stdout + result.stderr  # the attempt is real
