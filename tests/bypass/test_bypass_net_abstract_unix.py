"""Abstract unix sockets are a network of their own (no file guards them): a service outside
the sandbox listening on one must be out of reach under --no-network (Landlock scope, ABI 6; below
it the supervisor decides every connect and addressed send: HERMETIC_LANDLOCK_ABI_MAX=5 plays the
older kernel).
Unix sockets deliver synchronously, so what a finished target sent is already queued."""

import ctypes
import socket
import uuid

import pytest

ATTEMPTS = {
    "stream_connect": (socket.SOCK_STREAM, """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect("\\0" + sys.argv[1])
    """),
    "datagram_sendto": (socket.SOCK_DGRAM, """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"escape", "\\0" + sys.argv[1])
    """),
}


def kernel_landlock_abi() -> int:
    """The kernel's Landlock ABI, asked directly (not hermetic's report): 0 without Landlock."""
    libc = ctypes.CDLL(None, use_errno=True)
    create_ruleset, version_flag = 444, 1  # landlock_create_ruleset, ..._VERSION
    abi = libc.syscall(create_ruleset, None, ctypes.c_size_t(0), ctypes.c_uint32(version_flag))
    return max(abi, 0)


def drain(server: socket.socket) -> int:
    """Connections or datagrams waiting on `server`, taken off its queue."""
    server.setblocking(False)
    count = 0
    while True:
        try:
            if server.type == socket.SOCK_STREAM:
                server.accept()[0].close()
            else:
                server.recv(65536)
        except BlockingIOError:
            return count
        count += 1


@pytest.mark.parametrize("abi_max", ["", "5"], ids=["scope", "supervisor"])
@pytest.mark.parametrize(("kind", "code"), ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_abstract_unix(kind, code, abi_max, net_sandbox, run_attempt, python_attempt,
                       monkeypatch):
    abi = kernel_landlock_abi()
    if net_sandbox.sandboxed and abi < 6 and not abi_max:
        pytest.skip(f"this kernel's Landlock ABI {abi} has no abstract unix socket scope (6)")
    monkeypatch.setenv("HERMETIC_LANDLOCK_ABI_MAX", abi_max)
    name = f"hermetic-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, kind) as server:
        server.bind("\0" + name)
        if kind == socket.SOCK_STREAM:
            server.listen(16)
        attempt = run_attempt(python_attempt(code, name), net_sandbox)
        reached = drain(server)
    if net_sandbox.sandboxed:
        assert reached == 0, attempt.describe()
    else:
        assert reached > 0, "not reached even without hermetic:\n" + attempt.describe()
