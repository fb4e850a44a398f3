"""Fixtures of the tool compatibility suite: the loopback index server, a closed port, the
session's ready-made inputs (a wheel, a venv), and `compare`, which runs a Tool bare and under
hermetic from the same place.

Only 127.0.0.1 is contacted; no name is resolved (URLs carry the address).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tool_compare")
from tiny_wheel import FILENAME, NAME, sha256_of, write_wheel  # noqa: E402
from tool_compare import FLAG_SETS, Outcome, Place, Tool, snapshot  # noqa: E402

TIMEOUT = 60  # seconds for one run; a hang fails the test

# A variable hermetic removes under --no-environment: the scrubbing is real in that flag set.
SECRET = ("HERMETIC_TOOLS_SECRET", "removed under --no-environment")


def tool_env(place: Place) -> dict[str, str]:
    """The whole environment of a run, bare or not: what --no-environment keeps (PATH, HOME,
    locale) plus a TMPDIR and one secret. No proxy settings, no PIP_*/PYTHON* variables, so a
    scrubbed run and a bare run start from the same configuration."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(place.home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(place.tmp),
        SECRET[0]: SECRET[1],
    }


# --- the loopback HTTP server ---------------------------------------------------------------


class _CountingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        super().__init__(("127.0.0.1", 0), handler)
        self.accepted: list[tuple[str, int]] = []  # peers, in accept order

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the address's name (getfqdn): no lookups here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def verify_request(self, request, client_address) -> bool:  # type: ignore[override]
        # Called on the serving thread for each accepted connection, in accept order.
        self.accepted.append(client_address)
        return True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class LoopbackServer:
    """A static HTTP server on 127.0.0.1: a PEP 503 simple index (/simple/tinypkg/) with the
    wheel under /files/, and /hello.txt. Counts accepted connections."""

    def __init__(self, directory: Path) -> None:
        self._server = _CountingServer(directory)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._sentinels = 0
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def connections(self) -> int:
        """Connections accepted so far from anyone but this method's own sentinels. The server
        accepts one connection at a time in arrival order, so once the sentinel's answer is
        back, a finished client's connection, if it made one, has been counted. (Counted, not
        matched by address: loopback reuses client ports.)"""
        with socket.create_connection(self._server.server_address, timeout=30) as sentinel:
            self._sentinels += 1
            sentinel.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
            while sentinel.recv(4096):
                pass
        return len(self._server.accepted) - self._sentinels

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --find-links directory holding tinypkg-1.0 (tiny_wheel.py)."""
    directory = tmp_path_factory.mktemp("wheels")
    write_wheel(directory)
    return directory


@pytest.fixture(scope="session")
def loopback_server(tmp_path_factory: pytest.TempPathFactory,
                    wheel_dir: Path) -> Iterator[LoopbackServer]:
    root = tmp_path_factory.mktemp("index")
    (root / "files").mkdir()
    shutil.copy(wheel_dir / FILENAME, root / "files" / FILENAME)
    (root / "simple" / NAME).mkdir(parents=True)
    (root / "simple" / "index.html").write_text(f'<a href="{NAME}/">{NAME}</a>\n')
    (root / "simple" / NAME / "index.html").write_text(
        f'<a href="../../files/{FILENAME}#sha256={sha256_of(wheel_dir / FILENAME)}">'
        f"{FILENAME}</a>\n")
    (root / "hello.txt").write_text("hello from loopback\n")
    server = LoopbackServer(root)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def closed_url() -> Iterator[str]:
    """http://127.0.0.1:PORT of a port bound for the session but never listening: a connect
    there is refused (ECONNREFUSED), what a bare tool meets when the server is down."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture(scope="session")
def venv_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with pip, made once; pip tests copy it (tool_compare.setup_venv)."""
    directory = tmp_path_factory.mktemp("venv-template") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True,
                   capture_output=True, timeout=300)
    return directory


# --- running a tool bare and under hermetic -------------------------------------------------


def _wait_for_private_tmpdirs(tmp: Path) -> None:
    """Under --fs-readonly hermetic makes its private TMPDIR inside ours and a detached cleaner
    removes it once the target has exited: wait for that before the next run empties `tmp`."""
    deadline = time.monotonic() + TIMEOUT
    while any(tmp.glob("hermetic-*")):
        assert time.monotonic() < deadline, f"hermetic's private TMPDIR stays in {tmp}"
        time.sleep(0.005)


class Compare:
    """Runs tools in their places. A tool's bare outcome is computed once per URL and kept:
    it does not depend on the flag set under test."""

    def __init__(self, base: Path, hermetic_bin: str, shared: dict[str, Path]) -> None:
        self._base = base
        self._hermetic = hermetic_bin
        self._shared = shared
        self._bare: dict[tuple[str, str], Outcome] = {}

    def place(self, tool: Tool, url: str = "") -> Place:
        return Place(self._base / tool.name, url=url, shared=self._shared)

    def run(self, tool: Tool, hermetic_flags: list[str] | None, url: str = "") -> Outcome:
        place = self.place(tool, url)
        place.reset()
        tool.setup(place)
        argv = tool.argv(place)
        if hermetic_flags is not None:
            argv = [self._hermetic, *hermetic_flags, "--", *argv]
        proc = subprocess.run(argv, cwd=place.work, env=tool_env(place), timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace")
        _wait_for_private_tmpdirs(place.tmp)
        effect = snapshot(place.work, times=tool.times, volatile=tool.volatile)
        extra = tool.extra(place)
        if extra is not None:
            effect["<extra>"] = extra
        return Outcome(proc.returncode, effect, proc.stdout + proc.stderr)

    def bare(self, tool: Tool, url: str = "") -> Outcome:
        key = (tool.name, url)
        if key not in self._bare:
            self._bare[key] = self.run(tool, None, url)
        return self._bare[key]

    def under(self, tool: Tool, flag_set: str, url: str = "") -> Outcome:
        place = self.place(tool, url)
        return self.run(tool, FLAG_SETS[flag_set](place.work), url)


@pytest.fixture(scope="session")
def compare(tmp_path_factory: pytest.TempPathFactory, hermetic_bin: str, wheel_dir: Path,
            venv_template: Path) -> Compare:
    return Compare(tmp_path_factory.mktemp("places"), hermetic_bin,
                   {"wheels": wheel_dir, "venv": venv_template})
