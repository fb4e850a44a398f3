"""Sockets made outside the sandbox and handed to the target as fds. --no-network's seccomp rows
refuse socket(), not the use of a socket that exists: a connected TCP socket, or an unconnected
UDP socket, would carry data out. hermetic refuses such a run before anything runs (exit 1, one
line naming the fd and the way out); with --allow-localhost a socket on loopback stays usable."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest

SEND_ON_FD = """
import socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
if s.type == socket.SOCK_DGRAM:
    s.sendto(b'leak', ('127.0.0.1', int(sys.argv[2])))
else:
    s.sendall(b'leak')
print('sent')
"""


class Receiver:
    """A loopback TCP server that keeps what its one client sends."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.received = b""
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            conn.settimeout(30)
            while chunk := conn.recv(100):
                self.received += chunk

    def connected_client(self) -> socket.socket:
        return socket.create_connection(self.server.getsockname())

    def finish(self) -> bytes:
        self._thread.join(timeout=30)
        self.server.close()
        return self.received


def run_with_fd(hermetic_bin: str, flags: list[str] | None, sock: socket.socket,
                *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", SEND_ON_FD, str(sock.fileno()), *extra]
    if flags is not None:
        argv = [hermetic_bin, *flags, "--", *argv]
    return subprocess.run(argv, pass_fds=[sock.fileno()], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("flags", [None, ["--no-network"]], ids=["bare", "hermetic"])
def test_inherited_connected_tcp_socket(hermetic_bin: str, flags: list[str] | None) -> None:
    receiver = Receiver()
    client = receiver.connected_client()
    fd = client.fileno()
    try:
        result = run_with_fd(hermetic_bin, flags, client)
    finally:
        client.close()
    received = receiver.finish()
    if flags is None:
        assert received == b"leak", result.stderr  # the route is real
        return
    assert received == b""
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"hermetic: error: fd {fd} is an inherited AF_INET socket")
    assert f"{fd}>&-" in result.stderr


@pytest.mark.parametrize("flags", [None, ["--no-network"]], ids=["bare", "hermetic"])
def test_inherited_unconnected_udp_socket(hermetic_bin: str, flags: list[str] | None,
                                          listener) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        result = run_with_fd(hermetic_bin, flags, udp, str(listener.port))
    if flags is None:
        assert listener.wait_for_contact().udp == 1, result.stderr
        return
    assert listener.settle().total == 0
    assert result.returncode == 1, result.stdout + result.stderr
    assert "inherited AF_INET socket" in result.stderr


def test_a_loopback_socket_stays_usable_with_allow_localhost(hermetic_bin: str) -> None:
    receiver = Receiver()
    client = receiver.connected_client()
    try:
        result = run_with_fd(hermetic_bin, ["--no-network", "--allow-localhost"], client)
    finally:
        client.close()
    assert receiver.finish() == b"leak", result.stderr
    assert result.returncode == 0, result.stderr
