"""Shared fixtures: a loopback listener that counts connections, and child-process runners.

Tests judge by side effect: the listener's accept count, a file that exists or not. Nothing
here contacts any address but 127.0.0.1; code that names other destinations runs in a child
inside a fresh network namespace (no interfaces up), so even a broken guard sends nothing.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest


class Listener:
    """A TCP listener on 127.0.0.1 that accepts in a thread and counts connections.

    It accepts with the raw ``_accept`` (no audit event, no Python socket object), so it keeps
    counting while a block denies socket creation in this process.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.address = ("127.0.0.1", self.port)
        self.count = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if ready:
                fd, _ = self.sock._accept()  # type: ignore[attr-defined]
                self.count += 1
                os.close(fd)

    def settled_count(self) -> int:
        """The count once in-flight connections had time to be accepted."""
        time.sleep(0.15)
        return self.count

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def _run_python(
    code: str, *, netns: bool = False, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter of this venv; optionally in a new network namespace."""
    argv = [sys.executable, "-c", textwrap.dedent(code)]
    if netns:
        unshare = shutil.which("unshare")
        if unshare is None:
            pytest.skip("unshare(1) is not available for a private network namespace")
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("cannot create a network namespace: " + probe.stderr.decode().strip())
        argv = [unshare, "-rn", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def run_python():
    """`run_python(code, netns=False)`: run code in a fresh interpreter (see _run_python)."""
    return _run_python
