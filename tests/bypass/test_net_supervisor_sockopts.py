"""Ways around an address check that never name the address in connect/send: raw sockets
(IP_HDRINCL writes its own destination), SCTP (addresses through setsockopt), MPTCP, and source
routing (the packet goes to a first hop of the caller's choosing) by socket option or by a
control message. Under the allow-lists each is refused with EACCES."""

from __future__ import annotations

import subprocess
import sys

from _net import netns

pytest_plugins = ["netns"]

FLAGS = ["--no-network", "--allow-localhost"]

CODE = """
import socket, sys
far = sys.argv[1]
def attempt(name, f):
    try:
        f()
        print(name, 'ok')
    except OSError as e:
        print(name, e.errno)
hop = bytes([1, 131, 7, 4]) + socket.inet_aton(far)  # NOP, LSRR to `far`
attempt('raw', lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP))
attempt('sctp', lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132))
attempt('mptcp', lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262))
attempt('ip_options', lambda: socket.socket().setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, hop))
attempt('rthdr', lambda: socket.socket(socket.AF_INET6).setsockopt(socket.IPPROTO_IPV6, 57, b''))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt('retopts_cmsg', lambda: u.sendmsg([b'x'], [(socket.IPPROTO_IP, 7, hop)], 0,
        ('127.0.0.1', 9)))
attempt('plain_udp', lambda: u.sendmsg([b'x'], [], 0, ('127.0.0.1', 9)))
"""


def test_indirect_destinations_are_refused(hermetic_bin: str, namespace, c_helper) -> None:
    far = namespace.remote_ip
    # Control: as root, unsandboxed, the raw socket and the source route are accepted.
    control = subprocess.run(
        [sys.executable, "-c", CODE, far], capture_output=True, text=True, timeout=60
    )
    assert "raw ok" in control.stdout and "ip_options ok" in control.stdout, control.stdout
    result = netns.run_hermetic(hermetic_bin, FLAGS, ["python3", "-c", CODE, far])
    assert result.stdout.splitlines() == [
        "raw 13",
        "sctp 13",
        "mptcp 13",
        "ip_options 13",
        "rthdr 13",
        "retopts_cmsg 13",
        "plain_udp ok",
    ], result.stderr
    # The filter compares the low 32 bits of the level: junk above them changes nothing.
    raw = netns.run_hermetic(hermetic_bin, FLAGS, [c_helper("raw"), "lsrr", far, "9"])
    assert raw.stdout.strip() == "errno 13"
