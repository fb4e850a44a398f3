"""--allow-localhost: a connect to 0.0.0.0 means "this host", and the kernel sends it to the
socket's own source address: loopback, unless the socket is tied to an interface
(SO_BINDTODEVICE needs no privilege), whose own address it then reaches. The supervisor performs
an allowed unspecified destination as loopback, so a tied socket reaches nothing.

Run in a network namespace of the test's own (unshare -n) with a veth pair on 10.213.77.1:
no packet leaves it. Judged by what a listener on 10.213.77.1 receives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from fs_bypass_helpers import helpers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the namespace and veth need root")

DRIVER = textwrap.dedent(r"""
    import socket, subprocess, sys, threading
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
    subprocess.run(['ip', 'link', 'add', 'hmt0', 'type', 'veth', 'peer', 'name', 'hmt0p'],
                   check=True)
    subprocess.run(['ip', 'addr', 'add', '10.213.77.1/24', 'dev', 'hmt0'], check=True)
    for dev in ('hmt0', 'hmt0p'):
        subprocess.run(['ip', 'link', 'set', dev, 'up'], check=True)
    server = socket.create_server(('10.213.77.1', 0))
    port = server.getsockname()[1]
    got = []
    def serve():
        server.settimeout(8)
        try:
            conn, _ = server.accept()
            got.append(conn.recv(100))
        except OSError:
            pass
    thread = threading.Thread(target=serve)
    thread.start()
    target = ("import socket, sys\n"
              "s = socket.socket()\n"
              "s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'hmt0')\n"
              "s.settimeout(3)\n"
              "try:\n"
              "    s.connect(('0.0.0.0', int(sys.argv[1]))); s.sendall(b'LEAKED')\n"
              "except OSError as e:\n"
              "    print('connect failed', e.errno)\n")
    subprocess.run([*sys.argv[1:], sys.executable, '-c', target, str(port)], timeout=30)
    server.close()
    thread.join()
    print('received', got)
""")


def in_own_netns(prefix: list[str]) -> str:
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("ip") is None:
        pytest.fail("the test needs unshare(1) and ip(8)")
    result = subprocess.run([unshare, "-n", sys.executable, "-c", DRIVER, *prefix],
                            capture_output=True, text=True, timeout=helpers.TIMEOUT,
                            env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert "received" in result.stdout, result.stdout + result.stderr
    return result.stdout


def test_control_a_tied_socket_reaches_the_interface_address() -> None:
    assert "received [b'LEAKED']" in in_own_netns([])


def test_allow_localhost_keeps_an_unspecified_destination_on_loopback() -> None:
    out = in_own_netns([helpers.hermetic_bin(), "--no-network", "--allow-localhost", "--"])
    assert "received []" in out, out


LISTEN_UNBOUND = """
import socket
for family in (socket.AF_INET, socket.AF_INET6):
    s = socket.socket(family)
    try:
        s.listen()  # never bound: listen() binds it itself
        print(s.getsockname()[0])
    except OSError as e:
        print('refused', e.errno)
"""

PINNED = ["--allow-domain", "api.test", "--resolve", "api.test:127.0.0.5"]


@pytest.mark.parametrize(("flags", "bound"), [
    (["--allow-localhost"], ["127.0.0.1", "::1"]),  # bind() may use loopback: so does listen()
    (PINNED, ["refused", "13", "refused", "13"]),  # bind() may not: neither may listen()
], ids=["allow-localhost", "allow-domain"])
def test_listen_without_bind_never_opens_every_interface(flags: list[str],
                                                          bound: list[str]) -> None:
    """listen() on a socket never bound binds it to every interface, open to other hosts, where
    bind() allows loopback only: the supervisor binds it to loopback first, or refuses."""
    control = subprocess.run([sys.executable, "-c", LISTEN_UNBOUND], capture_output=True,
                             text=True, timeout=helpers.TIMEOUT)
    assert control.stdout.split() == ["0.0.0.0", "::"], control.stdout + control.stderr
    result = subprocess.run([helpers.hermetic_bin(), "--no-network", *flags, "--",
                             sys.executable, "-c", LISTEN_UNBOUND],
                            capture_output=True, text=True, timeout=helpers.TIMEOUT,
                            env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert result.stdout.split() == bound, result.stdout + result.stderr
