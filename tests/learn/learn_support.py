"""The learn suite's helpers (its conftest holds the fixtures): HTTP servers on fixed loopback
ports that count the connections they accept, and a Place that runs a target bare, learned and
enforced. A module of its own name: test files import it, and `conftest` is a name every test
directory has.

Only 127.0.0.1 is contacted; no name is resolved.
"""

from __future__ import annotations

import http.server
import os
import random
import socket
import socketserver
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 120  # seconds for one run; a hang fails the test


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"hello from loopback\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _CountingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.accepted = 0

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the address's name (getfqdn): no lookups here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def verify_request(self, request, client_address) -> bool:  # type: ignore[override]
        self.accepted += 1
        return True


class Server:
    """An HTTP server on 127.0.0.1 at a port below the ephemeral range."""

    def __init__(self) -> None:
        for _ in range(200):
            port = random.randrange(20000, 32000)
            try:
                self._server = _CountingServer(port)
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free loopback port in 20000-32000")
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hello.txt"
        self._sentinels = 0
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def connections(self) -> int:
        """Connections accepted from anyone but this method's own sentinels: the server accepts
        in arrival order, so once the sentinel's answer is back, every earlier client is counted."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sentinel:
            self._sentinels += 1
            sentinel.sendall(b"GET / HTTP/1.0\r\n\r\n")
            while sentinel.recv(4096):
                pass
        return self._server.accepted - self._sentinels

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Place:
    """A working directory (the read root; the policy file goes there) beside a home."""

    base: Path
    work: Path
    home: Path
    env: dict[str, str]
    hermetic: str

    def run(self, args: Sequence[str | os.PathLike[str]], cwd: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([os.fspath(a) for a in args], cwd=cwd or self.work, env=self.env,
                              capture_output=True, text=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)

    def learn(self, args: Sequence[str | os.PathLike[str]], *options: str,
              policy: str = "t") -> subprocess.CompletedProcess[str]:
        return self.run([self.hermetic, "learn", "--policy", policy, *options, "--", *args])

    def enforced(self, args: Sequence[str | os.PathLike[str]], policy: str = "t"
                 ) -> subprocess.CompletedProcess[str]:
        return self.run([self.hermetic, "--policy", policy, "--", *args])

    @property
    def policy_text(self) -> str:
        return (self.work / "hermetic.toml").read_text()
