"""--allow-localhost keeps loopback reachable, and a loopback destination must stay on loopback.
A socket tied to an interface (SO_BINDTODEVICE, IP_UNICAST_IF, an IP_PKTINFO, IPV6_PKTINFO or
IPV6_2292PKTINFO control message naming one) sends a datagram for 127.0.0.1 or ::1 out of that
interface, towards its gateway, payload and all. hermetic refuses the tie (the setsockopt rows)
and such a control message (the supervisor).

Everything happens between two network namespaces the test makes: "inside" (the target) with a
veth and a default route to "outside", where a packet socket counts frames carrying the test's
token. No packet goes anywhere else. Root only."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None,
    reason="needs root and iproute2: the test makes two network namespaces",
)

# Counts frames with the token until its stdin closes (the sender has finished), then takes
# what is still queued: the count does not depend on how long anything took.
CAPTURE = """
import select, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
s.bind((sys.argv[1], 0))
print('ready', flush=True)
seen, done = 0, False
while True:
    ready = select.select([s, sys.stdin], [], [], 0.2 if done else None)[0]
    if s in ready:
        seen += sys.argv[2].encode() in s.recv(65535)
    elif done:
        break
    if sys.stdin in ready:
        done = not sys.stdin.read(1) or done
print('seen', seen, flush=True)
"""

SEND = """
import socket, struct, sys
token, how, device = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    if how == 'bindtodevice':
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
        s.sendto(token, ('127.0.0.1', 9))
    elif how == 'unicast_if':  # IP_UNICAST_IF, the index in network byte order
        s.setsockopt(socket.IPPROTO_IP, 50, struct.pack('!I', socket.if_nametoindex(device)))
        s.sendto(token, ('127.0.0.1', 9))
    elif how == 'pktinfo':  # IP_PKTINFO naming the interface, on this one send
        info = struct.pack('@i4s4s', socket.if_nametoindex(device), bytes(4), bytes(4))
        s.sendmsg([token], [(socket.IPPROTO_IP, 8, info)], 0, ('127.0.0.1', 9))
    elif how in ('pktinfo6', 'pktinfo6_2292'):  # IPV6_PKTINFO (50), IPV6_2292PKTINFO (2)
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        info = bytes(16) + struct.pack('@i', socket.if_nametoindex(device))
        kind = 50 if how == 'pktinfo6' else 2
        s.sendmsg([token], [(socket.IPPROTO_IPV6, kind, info)], 0, ('::1', 9))
    elif how == 'unspecified':  # hermetic performs 0.0.0.0 as loopback: it must stay there too
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
        s.sendto(token, ('0.0.0.0', 9))
    print('sent')
except OSError as e:
    print('refused', e.errno)
"""


@dataclass(frozen=True)
class Pair:
    inside: str
    outside: str
    device: str  # the veth end inside
    peer: str  # the veth end outside


def _ip(*argv: str) -> None:
    subprocess.run(["ip", *argv], check=True, capture_output=True, timeout=20)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    tag = secrets.token_hex(3)
    p = Pair(f"hermetic-in-{tag}", f"hermetic-out-{tag}", f"hmi{tag}", f"hmo{tag}")
    try:
        _ip("netns", "add", p.inside)
        _ip("netns", "add", p.outside)
        _ip("link", "add", p.device, "type", "veth", "peer", "name", p.peer)
        _ip("link", "set", p.device, "netns", p.inside)
        _ip("link", "set", p.peer, "netns", p.outside)
        _ip("-n", p.inside, "addr", "add", "10.213.0.249/30", "dev", p.device)
        _ip("-n", p.outside, "addr", "add", "10.213.0.250/30", "dev", p.peer)
        _ip("-n", p.inside, "-6", "addr", "add", "fd00:213::1/64", "dev", p.device, "nodad")
        _ip("-n", p.outside, "-6", "addr", "add", "fd00:213::2/64", "dev", p.peer, "nodad")
        for ns, dev in ((p.inside, p.device), (p.outside, p.peer)):
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", p.inside, "route", "add", "default", "via", "10.213.0.250")
        _ip("-n", p.inside, "-6", "route", "add", "default", "via", "fd00:213::2")
        yield p
    finally:
        for ns in (p.inside, p.outside):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


def frames_seen(pair: Pair, token: str, argv: list[str]) -> tuple[int, str]:
    """Runs argv inside while the outside counts frames with `token`; (count, argv's output)."""
    capture = subprocess.Popen(
        ["ip", "netns", "exec", pair.outside, sys.executable, "-c", CAPTURE, pair.peer, token],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert capture.stdout is not None
        assert capture.stdout.readline().strip() == "ready"
        sender = subprocess.run(["ip", "netns", "exec", pair.inside, *argv], capture_output=True,
                                text=True, timeout=60)
        out, _ = capture.communicate(timeout=30)  # closes its stdin: the sender is done
    finally:
        capture.kill()
        capture.wait(timeout=30)
    return int(out.split()[-1]), sender.stdout + sender.stderr


@pytest.mark.parametrize(
    "how", ["bindtodevice", "unicast_if", "pktinfo", "pktinfo6", "pktinfo6_2292", "unspecified"]
)
def test_loopback_traffic_stays_on_loopback(pair: Pair, how: str, hermetic_bin: str) -> None:
    token = "MARK-" + secrets.token_hex(8)
    send = [sys.executable, "-c", textwrap.dedent(SEND), token, how, pair.device]
    if how != "unspecified":  # 0.0.0.0 bare is local; only hermetic's rewrite could misroute it
        seen, out = frames_seen(pair, token, send)
        assert seen > 0, "the datagram did not leave even bare, so this proves nothing:\n" + out
    token = "MARK-" + secrets.token_hex(8)
    send[3] = token
    seen, out = frames_seen(  # the kernel layer alone (the in-process layer would refuse first)
        pair, token,
        ["env", "HERMETIC_INPROCESS=0", hermetic_bin, "--no-network", "--allow-localhost", "--",
         *send],
    )
    assert seen == 0, out
    assert "refused 13" in out, out  # EACCES, the network refusal
