"""Generic fixtures for the end-to-end suite: the hermetic binary, running it, a loopback
listener that stands for "the outside", and the compiled C helpers.

Nothing here sends a packet anywhere but 127.0.0.1, and nothing resolves a host name.
Suite-specific fixtures live in the conftest.py of their own directory.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

HELPERS_DIR = Path(__file__).parent / "helpers"

# tests/pytest_plugin runs pytest inside pytest (hermetic's plugin is tested from the outside).
pytest_plugins = ("pytester",)

# Every subprocess of the suite gets a timeout; this one unless a test asks for another.
DEFAULT_TIMEOUT = 60

# Proxy variables would send urllib & co. to a proxy instead of the loopback listener.
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy")


def _httpie_config_dir() -> str:
    """A config dir that switches httpie's update check off: with the user's own, a bare `http`
    starts a process that fetches httpie's release list from the internet."""
    path = Path(tempfile.gettempdir()) / f"hermetic-tests-httpie-{os.getuid()}"
    path.mkdir(exist_ok=True)
    (path / "config.json").write_text(json.dumps({"disable_update_warnings": True}))
    return str(path)


_HTTPIE_CONFIG_DIR = _httpie_config_dir()


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARS}
    env["no_proxy"] = env["NO_PROXY"] = "*"
    env["HTTPIE_CONFIG_DIR"] = _HTTPIE_CONFIG_DIR
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def clean_env() -> Callable[..., dict[str, str]]:
    """clean_env(extra=None): this environment without proxy settings (so nothing is sent to a
    proxy instead of the loopback listener), plus `extra`. Use it for every subprocess."""
    return _clean_env


@pytest.fixture(scope="session")
def hermetic_bin() -> str:
    """Path of the hermetic executable under test: $HERMETIC_BIN, else `hermetic` on PATH."""
    explicit = os.environ.get("HERMETIC_BIN")
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            pytest.fail(f"HERMETIC_BIN={explicit} is not an executable file")
        return os.path.abspath(explicit)
    found = shutil.which("hermetic")
    if found is None:
        pytest.fail(
            "no hermetic executable: set HERMETIC_BIN=/path/to/hermetic or put hermetic on PATH "
            "(pip install . or build/<dir>/src/cli/hermetic)"
        )
    return found


RunHermetic = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def default_timeout() -> float:
    """Seconds any subprocess of the suite may take before the test fails."""
    return DEFAULT_TIMEOUT


@pytest.fixture
def run_hermetic(hermetic_bin: str) -> RunHermetic:
    """run_hermetic(args, *, input=None, timeout=60, env=None, cwd=None, text=True):
    runs `hermetic *args` with captured output and returns the CompletedProcess."""

    def run(
        args: Sequence[str | os.PathLike[str]],
        *,
        input: str | bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        text: bool = True,
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [hermetic_bin, *map(os.fspath, args)],
            input=input,
            capture_output=True,
            timeout=timeout,
            env=_clean_env(env),
            cwd=cwd,
            text=text,
            stdin=subprocess.DEVNULL if input is None else None,
        )

    return run


# --- the loopback listener ------------------------------------------------------------------


@dataclass(frozen=True)
class Contacts:
    """What reached the listener from anyone but the listener's own sentinels."""

    tcp: int
    udp: int

    @property
    def total(self) -> int:
        return self.tcp + self.udp


class Listener:
    """TCP and UDP on 127.0.0.1, the same port number; a thread records every accepted
    connection and every datagram with its source address.

    `settle()` makes its own sentinel connection and datagram and waits until the thread has
    recorded both, so whatever a finished program sent before is in the count: a count of 0
    after settle() means nothing came, on a listener proven to be alive. `wait_for_contact()`
    waits (bounded) until something other than the sentinels arrived.
    """

    def __init__(self) -> None:
        self.tcp, self.udp = self._bind_pair()
        self.port: int = self.tcp.getsockname()[1]
        self.host = "127.0.0.1"
        self._peers: list[tuple[str, tuple[str, int]]] = []
        self._sentinels: set[tuple[str, tuple[str, int]]] = set()
        self._changed = threading.Condition()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="listener", daemon=True)
        self._thread.start()

    @staticmethod
    def _bind_pair() -> tuple[socket.socket, socket.socket]:
        for _ in range(50):
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.bind(("127.0.0.1", 0))
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                udp.bind(("127.0.0.1", tcp.getsockname()[1]))
            except OSError:
                tcp.close()
                udp.close()
                continue
            tcp.listen(128)
            return tcp, udp
        raise RuntimeError("no free port for both TCP and UDP on 127.0.0.1")

    def _record(self, kind: str, peer: tuple[str, int]) -> None:
        with self._changed:
            self._peers.append((kind, peer))
            self._changed.notify_all()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self.tcp, selectors.EVENT_READ, "tcp")
            sel.register(self.udp, selectors.EVENT_READ, "udp")
            sel.register(self._wake_r, selectors.EVENT_READ, "stop")
            while True:
                for key, _ in sel.select():
                    if key.data == "stop":
                        return
                    if key.data == "tcp":
                        conn, peer = self.tcp.accept()
                        conn.close()  # counting is all we do; clients see a closed connection
                        self._record("tcp", peer[:2])
                    else:
                        _, peer = self.udp.recvfrom(65536)
                        self._record("udp", peer[:2])

    def _contacts(self) -> Contacts:
        foreign = [p for p in self._peers if p not in self._sentinels]
        return Contacts(
            tcp=sum(1 for kind, _ in foreign if kind == "tcp"),
            udp=sum(1 for kind, _ in foreign if kind == "udp"),
        )

    def settle(self, timeout: float = 30) -> Contacts:
        with socket.create_connection((self.host, self.port), timeout=timeout) as tcp_probe:
            tcp_sentinel = ("tcp", tcp_probe.getsockname()[:2])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp_probe:
                udp_probe.bind(("127.0.0.1", 0))
                udp_sentinel = ("udp", udp_probe.getsockname()[:2])
                with self._changed:
                    self._sentinels.update({tcp_sentinel, udp_sentinel})
                udp_probe.sendto(b"sentinel", (self.host, self.port))
                with self._changed:
                    arrived = self._changed.wait_for(
                        lambda: tcp_sentinel in self._peers and udp_sentinel in self._peers,
                        timeout=timeout,
                    )
        if not arrived:
            raise RuntimeError("the listener did not see its own sentinels: it is not working")
        with self._changed:
            return self._contacts()

    def wait_for_contact(self, timeout: float = 30) -> Contacts:
        with self._changed:
            self._changed.wait_for(lambda: self._contacts().total > 0, timeout=timeout)
            return self._contacts()

    def close(self) -> None:
        self._wake_w.send(b"x")
        self._thread.join(timeout=30)
        for sock in (self.tcp, self.udp, self._wake_r, self._wake_w):
            sock.close()


@pytest.fixture
def listener():
    """A Listener on 127.0.0.1 (random port, TCP and UDP), closed after the test."""
    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()


# --- C helpers ------------------------------------------------------------------------------

_LINK_LINE = re.compile(r"^//\s*link:\s*(.+)$", re.MULTILINE)


@pytest.fixture(scope="session")
def c_helpers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every tests/helpers/*.c compiled with `cc -Wall -Wextra -Werror`; name (file stem) to
    executable path. A `// link: -lfoo` line in a source adds linker flags."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.fail("no C compiler: the tests need `cc` (apt-get install build-essential)")
    out_dir = tmp_path_factory.mktemp("helpers")
    built: dict[str, Path] = {}
    for source in sorted(HELPERS_DIR.glob("*.c")):
        exe = out_dir / source.stem
        link = [flag for m in _LINK_LINE.finditer(source.read_text()) for flag in m[1].split()]
        cmd = [cc, "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-I", str(HELPERS_DIR),
               "-o", str(exe), str(source), *link]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"cannot compile {source.name}: {' '.join(cmd)}\n{result.stderr}")
        built[source.stem] = exe
    return built
