"""Fixtures of the network tests (import them into a test module: `from netns import ...`).

- hermetic_bin: the hermetic executable (HERMETIC_BIN, else `hermetic` on PATH; fails if absent).
- loopback: a counting listener on 127.0.0.1 (TCP and UDP on one port, plus a tarpit port).
- remote: a counting listener on a "remote" host, a network namespace this test run creates
  with a veth pair in a /29 of 10.213.0.0/24 of its own (root only; skipped otherwise). Its
  namespace has no other route, so nothing sent there can reach any other network.
- c_helper: compiles tests/helpers/net_<name>.c with cc.

Nothing here sends to any address but 127.0.0.0/8 and the namespace's 10.213.0.x addresses,
and nothing resolves a real name. Every wait is bounded.
"""

from __future__ import annotations

import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
SERVER = HELPERS / "net_counter_server.py"
PROBE = HELPERS / "net_probe.py"
WAIT_SECONDS = 20  # bound of every wait for a server; never an assertion about speed

# urllib and curl would send the tests' requests to a proxy instead of the listeners: no
# subprocess of these tests gets proxy settings.
for _name in [k for k in os.environ if k.lower().endswith("_proxy")]:
    del os.environ[_name]


@pytest.fixture(scope="session")
def hermetic_bin() -> str:
    path = os.environ.get("HERMETIC_BIN") or shutil.which("hermetic")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("hermetic executable not found: set HERMETIC_BIN or put hermetic on PATH")
    return path


def kernel_only_env() -> dict[str, str]:
    """The environment for a hermetic whose Python targets get the kernel layer only.

    An installed hermetic also injects the in-process layer into Python targets, which refuses
    a Python-level connect before the kernel sees it. These tests are about the kernel layer
    (the supervisor), so they switch the in-process layer off (HERMETIC_INPROCESS=0);
    with_inprocess tests run both layers."""
    return {**os.environ, "HERMETIC_INPROCESS": "0"}


def run_hermetic(
    hermetic: str,
    flags: list[str],
    argv: list[str],
    timeout: float = 60,
    inprocess: bool = False,
    **kwargs: object,
) -> subprocess.CompletedProcess[str]:
    """Runs `hermetic FLAGS -- ARGV` to completion (bounded by `timeout`), capturing output.
    Kernel layer only unless `inprocess` (see kernel_only_env)."""
    return subprocess.run(  # noqa: PLW1510 - callers check what they need
        [hermetic, *flags, "--", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if inprocess else kernel_only_env(),
        **kwargs,  # type: ignore[arg-type]
    )


def probe_argv(mode: str, host: str, port: int) -> list[str]:
    return [sys.executable, str(PROBE), mode, host, str(port)]


class CounterServer:
    """tests/helpers/net_counter_server.py, started with `prefix` (e.g. `ip netns exec NS`)."""

    def __init__(self, prefix: list[str], bind: str, log: Path) -> None:
        self.host = bind
        self.log = log
        log.write_text("")
        self._seen = 0
        self._proc = subprocess.Popen(
            [*prefix, sys.executable, str(SERVER), bind, str(log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], WAIT_SECONDS)
        line = self._proc.stdout.readline().split() if ready else []
        if len(line) != 4 or line[0] != "ready":
            self.stop()
            pytest.fail(f"counter server on {bind} did not start")
        self.port, self.sentinel_port, self.tarpit_port = (int(x) for x in line[1:])

    def events(self) -> list[str]:
        """What arrived since the last call: a sentinel connection goes last, and everything
        sent before it (by a process that has finished) is logged before it."""
        with socket.create_connection((self.host, self.sentinel_port), timeout=WAIT_SECONDS):
            pass
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            lines = self.log.read_text().splitlines()
            sentinels = [i for i, line in enumerate(lines) if line == "sentinel"]
            if sentinels and sentinels[-1] >= self._seen:
                new = lines[self._seen : sentinels[-1]]
                self._seen = sentinels[-1] + 1
                return [line for line in new if line != "sentinel"]
            if time.monotonic() > deadline:
                pytest.fail(f"counter server on {self.host} never logged the sentinel")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


@pytest.fixture(scope="session")
def _loopback_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CounterServer]:
    server = CounterServer([], "127.0.0.1", tmp_path_factory.mktemp("loopback") / "log")
    yield server
    server.stop()


@pytest.fixture
def loopback(_loopback_server: CounterServer) -> CounterServer:
    _loopback_server.events()  # forget what earlier tests sent
    return _loopback_server


@dataclass
class Namespace:
    name: str
    host_ip: str  # this side of the veth pair
    remote_ip: str  # the namespace's address; the counter server listens here
    other_ip: str  # a second address of the namespace, for "another address" cases


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=WAIT_SECONDS)


def _free_subnet() -> int:
    used = subprocess.run(
        ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, timeout=WAIT_SECONDS
    ).stdout
    for _ in range(64):
        base = 8 * secrets.randbelow(32)
        if not any(f"10.213.0.{base + i}/" in used for i in range(8)):
            return base
    pytest.skip("no free /29 in 10.213.0.0/24 for a test network namespace")


@pytest.fixture(scope="session")
def namespace() -> Iterator[Namespace]:
    if os.geteuid() != 0:
        pytest.skip("needs root: the remote host is a network namespace with a veth pair")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2 (`ip`) for the test network namespace")
    tag = secrets.token_hex(3)
    name, here, there = f"hermetic-test-{tag}", f"hmt{tag}a", f"hmt{tag}b"
    base = _free_subnet()
    ns = Namespace(name, f"10.213.0.{base + 1}", f"10.213.0.{base + 2}", f"10.213.0.{base + 3}")
    try:
        _run("ip", "netns", "add", name)
        _run("ip", "link", "add", here, "type", "veth", "peer", "name", there)
        _run("ip", "link", "set", there, "netns", name)
        _run("ip", "addr", "add", f"{ns.host_ip}/29", "dev", here)
        _run("ip", "link", "set", here, "up")
        _run("ip", "-n", name, "addr", "add", f"{ns.remote_ip}/29", "dev", there)
        _run("ip", "-n", name, "addr", "add", f"{ns.other_ip}/29", "dev", there)
        _run("ip", "-n", name, "link", "set", there, "up")
        _run("ip", "-n", name, "link", "set", "lo", "up")
        yield ns
    finally:
        subprocess.run(["ip", "link", "del", here], capture_output=True, timeout=WAIT_SECONDS)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=WAIT_SECONDS)


@pytest.fixture(scope="session")
def _remote_server(
    namespace: Namespace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CounterServer]:
    server = CounterServer(
        ["ip", "netns", "exec", namespace.name],
        "0.0.0.0",
        tmp_path_factory.mktemp("remote") / "log",
    )
    server.host = namespace.remote_ip
    yield server
    server.stop()


@pytest.fixture
def remote(_remote_server: CounterServer) -> CounterServer:
    _remote_server.events()
    return _remote_server


def in_namespace(namespace: Namespace, argv: list[str]) -> list[str]:
    """argv run inside the test namespace: only lo and the veth /29, no default route. Cases that
    name an address outside 10.213.0.0/24 (cloud metadata, the system resolver) run here, so
    even a supervisor bug could not put a packet on any real network."""
    return ["ip", "netns", "exec", namespace.name, *argv]


@pytest.fixture(scope="session")
def c_helper(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - returns a builder
    built: dict[str, str] = {}
    out_dir = tmp_path_factory.mktemp("helpers")

    def build(name: str) -> str:
        if name not in built:
            cc = shutil.which("cc")
            if cc is None:
                pytest.fail("a C compiler (cc) is needed for the raw-syscall helpers")
            out = out_dir / f"net_{name}"
            subprocess.run(
                [
                    cc,
                    "-O2",
                    "-Wall",
                    "-Wextra",
                    "-pthread",
                    "-o",
                    str(out),
                    str(HELPERS / f"net_{name}.c"),
                ],
                check=True,
                timeout=120,
            )
            built[name] = str(out)
        return built[name]

    return build
