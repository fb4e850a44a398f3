"""--no-network --allow-connect HOST:PORT: that destination, on that port alone, by address or by
name, for Python and non-Python targets and under the Python API. Judged by two loopback
listeners: the allowed one counts the contact, the other counts nothing."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time

import pytest

PY = sys.executable
TCP = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 5).close()"
UDP = ("import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
       "s.sendto(b'x', (sys.argv[1], int(sys.argv[2])))")


@pytest.fixture
def other(listener):
    """A second listener (conftest's Listener): the port --allow-connect does not name."""
    lst = type(listener)()
    try:
        yield lst
    finally:
        lst.close()


@pytest.mark.parametrize("code, kind", [(TCP, "tcp"), (UDP, "udp")], ids=["tcp", "udp"])
def test_an_address_and_its_port_alone(run_hermetic, listener, other, code, kind):
    flags = ["--no-network", f"--allow-connect=127.0.0.1:{listener.port}"]
    allowed = run_hermetic([*flags, "--", PY, "-c", code, "127.0.0.1", str(listener.port)])
    assert allowed.returncode == 0, allowed.stderr
    refused = run_hermetic([*flags, "--", PY, "-c", code, "127.0.0.1", str(other.port)])
    assert refused.returncode != 0
    assert getattr(listener.wait_for_contact(), kind) == 1
    assert other.settle().total == 0


def test_a_name_pinned_by_resolve(run_hermetic, listener, other):
    flags = ["--no-network", "--resolve", "svc.test:127.0.0.1",
             "--allow-connect", f"svc.test:{listener.port}"]
    allowed = run_hermetic([*flags, "--", PY, "-c", TCP, "svc.test", str(listener.port)])
    assert allowed.returncode == 0, allowed.stderr
    refused = run_hermetic([*flags, "--", PY, "-c", TCP, "svc.test", str(other.port)])
    assert refused.returncode != 0
    # The name's address on another port is not the name's destination either.
    refused = run_hermetic([*flags, "--", PY, "-c", TCP, "127.0.0.1", str(other.port)])
    assert refused.returncode != 0
    assert listener.wait_for_contact().tcp == 1
    assert other.settle().total == 0


def test_a_program_without_python(run_hermetic, listener, other):
    flags = ["--no-network", f"--allow-connect=127.0.0.1:{listener.port}"]
    curl = ["curl", "-s", "-o", "/dev/null", "--max-time", "5"]
    run_hermetic([*flags, "--", *curl, f"http://127.0.0.1:{listener.port}/"])
    refused = run_hermetic([*flags, "--", *curl, f"http://127.0.0.1:{other.port}/"])
    assert refused.returncode == 7, refused.stderr  # curl: could not connect
    assert listener.wait_for_contact().tcp == 1
    assert other.settle().total == 0


def test_the_python_api(listener, other):
    code = f"""
        import socket
        from hermetic import PolicyViolation, hermetic_blocker
        with hermetic_blocker(block_network=True, allow_connect=["127.0.0.1:{listener.port}"]):
            socket.create_connection(("127.0.0.1", {listener.port}), 5).close()
            try:
                socket.create_connection(("127.0.0.1", {other.port}), 5)
            except PolicyViolation:
                print("refused")
    """
    proc = subprocess.run([PY, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "refused\n"
    assert listener.wait_for_contact().tcp == 1
    assert other.settle().total == 0


@pytest.mark.parametrize("bad", ["svc.test", "svc.test:0", "::1:80", "svc.test:http"])
def test_a_malformed_destination_is_one_line(run_hermetic, bad):
    proc = run_hermetic(["--no-network", "--allow-connect", bad, "--", "true"])
    assert proc.returncode == 1
    assert proc.stderr.startswith("hermetic: error: invalid destination for --allow-connect: ")
    assert len(proc.stderr.splitlines()) == 1


def test_without_no_network_it_means_nothing(run_hermetic):
    proc = run_hermetic(["--allow-connect", "127.0.0.1:80", "--", "true"])
    assert proc.returncode == 1
    assert proc.stderr == ("hermetic: error: --allow-localhost, --allow-domain, --allow-connect and"
                           " --allow-bind are exceptions to --no-network; add --no-network\n")


SERVE = """
import socket, sys
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
server.settimeout(60)
server.accept()[0].close()
if len(sys.argv) > 2:
    socket.create_connection(("127.0.0.1", int(sys.argv[2])), 5)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reach(port: int, server: subprocess.Popen) -> bool:
    """Connect to the sandboxed server from outside until it answers or ends: the connect
    succeeding is the proof that it bound and listened."""
    while server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def test_allow_bind_serves_on_its_port_alone(hermetic_bin, run_hermetic, listener):
    """--allow-bind PORT: a server listens on loopback PORT (the test reaches it from outside),
    not on another port, and reaches nothing itself."""
    port, other_port = free_port(), free_port()
    flags = ["--no-network", f"--allow-bind={port}"]
    with subprocess.Popen([hermetic_bin, *flags, "--", PY, "-c", SERVE, str(port),
                           str(listener.port)], stderr=subprocess.PIPE, text=True) as server:
        assert reach(port, server)
        _, stderr = server.communicate(timeout=60)
    assert server.returncode != 0  # its own connect to the listener was refused
    assert "network disabled" in stderr, stderr
    refused = run_hermetic([*flags, "--", PY, "-c", SERVE, str(other_port)])
    assert refused.returncode == 2, refused.stderr
    assert f"bind(127.0.0.1:{other_port})" in refused.stderr
    assert listener.settle().total == 0
