"""One network attempt by a sandboxed Python, named by MODE: `net_probe.py MODE HOST PORT`.

Prints "ok" when the attempt went through, "errno N" when it failed with OSError N; exits 0
either way. Tests judge by what the listener saw, never by this output alone.
"""

import asyncio
import ctypes
import ctypes.util
import os
import socket
import sys
import threading
import urllib.request


def connect(host: str, port: int) -> None:
    with socket.create_connection((host, port), timeout=10):
        pass


def connect_ex(host: str, port: int) -> None:
    with socket.socket() as s:
        s.settimeout(10)
        err = s.connect_ex((host, port))
        if err:
            raise OSError(err, os.strerror(err))


def nonblocking(host: str, port: int) -> None:
    import select

    with socket.socket() as s:
        s.setblocking(False)
        err = s.connect_ex((host, port))
        if err not in (0, 115):  # EINPROGRESS is the normal answer
            raise OSError(err, os.strerror(err))
        _, writable, _ = select.select([], [s], [], 10)
        if not writable:
            raise OSError(110, "timed out")
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, os.strerror(err))


def udp_sendto(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"probe", (host, port))


def udp_sendmsg(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendmsg([b"pro", b"be"], [], 0, (host, port))


class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_void_p),
        ("namelen", ctypes.c_uint32),
        ("iov", ctypes.POINTER(_Iovec)),
        ("iovlen", ctypes.c_size_t),
        ("control", ctypes.c_void_p),
        ("controllen", ctypes.c_size_t),
        ("flags", ctypes.c_int),
    ]


class _Mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", _Msghdr), ("len", ctypes.c_uint)]


def udp_sendmmsg(host: str, port: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    addr = bytes([2, 0]) + port.to_bytes(2, "big") + socket.inet_aton(host) + bytes(8)
    addr_buf = ctypes.create_string_buffer(addr, len(addr))
    payload = ctypes.create_string_buffer(b"probe", 5)
    iov = _Iovec(ctypes.cast(payload, ctypes.c_void_p), 5)
    msgs = (_Mmsghdr * 2)()
    for m in msgs:
        m.hdr.name = ctypes.cast(addr_buf, ctypes.c_void_p)
        m.hdr.namelen = len(addr)
        m.hdr.iov = ctypes.pointer(iov)
        m.hdr.iovlen = 1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        sent = libc.sendmmsg(s.fileno(), msgs, 2, 0)
        if sent < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        if sent != 2 or msgs[0].len != 5 or msgs[1].len != 5:
            raise OSError(0, f"sendmmsg sent {sent} ({msgs[0].len}, {msgs[1].len})")


def tcp_fastopen(host: str, port: int) -> None:
    with socket.socket() as s:  # blocking: without a cookie it connects, then sends
        s.sendto(b"GET / HTTP/1.0\r\n\r\n", socket.MSG_FASTOPEN, (host, port))


async def _asyncio_connect(host: str, port: int) -> None:
    _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    writer.close()
    await writer.wait_closed()


def asyncio_connect(host: str, port: int) -> None:
    asyncio.run(_asyncio_connect(host, port))


def threads(host: str, port: int) -> None:
    errors: list[OSError] = []

    def one() -> None:
        try:
            connect(host, port)
        except OSError as e:
            errors.append(e)

    workers = [threading.Thread(target=one) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]


def forked(host: str, port: int) -> None:
    pid = os.fork()
    if pid == 0:
        try:
            connect(host, port)
            os._exit(0)
        except OSError as e:
            os._exit(e.errno or 1)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise OSError(code, os.strerror(code))


def http(host: str, port: int) -> None:
    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=10) as response:
        if response.read() != b"ok":
            raise OSError(0, "unexpected body")


MODES = {
    f.__name__: f
    for f in (
        connect,
        connect_ex,
        nonblocking,
        udp_sendto,
        udp_sendmsg,
        udp_sendmmsg,
        tcp_fastopen,
        asyncio_connect,
        threads,
        forked,
        http,
    )
}


def main() -> None:
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        MODES[mode](host, port)
    except OSError as e:
        reason = getattr(e, "reason", None)  # urllib's URLError wraps the socket error
        errno = reason.errno if e.errno is None and isinstance(reason, OSError) else e.errno
        print(f"errno {errno}", flush=True)
        return
    print("ok", flush=True)


if __name__ == "__main__":
    main()
