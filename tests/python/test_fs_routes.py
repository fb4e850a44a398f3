"""Routes to the filesystem that are not `open` (issue 14, item 8): an AF_UNIX bind and
sqlite3.connect create files, a loader's get_data reads any path, and a dir_fd hides which
/proc file a relative name opens. Each judged by the file made, or the secret printed."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
from importlib.machinery import SourceFileLoader

import pytest
from hermetic import PolicyViolation, hermetic_blocker


def test_unix_bind_creates_no_socket_file(tmp_path):
    path = tmp_path / "sock"
    with hermetic_blocker(fs_readonly=True):
        with socket.socket(socket.AF_UNIX) as s:
            with pytest.raises(PolicyViolation):
                s.bind(str(path))
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(f"\0hermetic-test-{os.getpid()}")  # abstract: no file, allowed
    assert not path.exists()


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sqlite3.connect raises no event on 3.9")
def test_sqlite_connect_creates_no_database(tmp_path):
    path = tmp_path / "db.sqlite"
    with hermetic_blocker(fs_readonly=True):
        with pytest.raises(PolicyViolation):
            sqlite3.connect(str(path))
        sqlite3.connect(":memory:").close()  # no file: allowed
    assert not path.exists()


def test_loader_get_data_reads_nothing_outside_the_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("the-secret-value")
    got = b""
    with hermetic_blocker(fs_root=str(root)):
        with pytest.raises(PolicyViolation):
            got = SourceFileLoader("x", str(secret)).get_data(str(secret))
        import json.tool  # noqa: F401  # imports still read the interpreter's files
    assert b"the-secret-value" not in got


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, env=env)


def test_environ_through_dir_fd_prints_no_secret():
    code = """
        import os
        from hermetic import hermetic_blocker
        proc = os.open("/proc", os.O_RDONLY)
        with hermetic_blocker(block_environment=True):
            for name in ("self/environ", f"{os.getppid()}/environ", "./self/environ"):
                try:
                    fd = os.open(name, os.O_RDONLY, dir_fd=proc)
                except Exception:
                    continue
                print(os.read(fd, 1 << 16))
    """
    proc = run_python(code, {**os.environ, "HX_SECRET": "hx-secret-value"})
    assert proc.returncode == 0, proc.stderr
    assert "hx-secret-value" not in proc.stdout


@pytest.mark.skipif(sys.implementation.name != "cpython" or sys.maxsize < 2**32,
                    reason="the test writes a bytes object's body at CPython's 64-bit offset")
def test_mem_through_dir_fd_changes_nothing():
    # bytes: ob_refcnt, ob_type, ob_size, ob_shash, then the body (32 bytes in, on 64 bits).
    code = """
        import os
        from hermetic import hermetic_blocker
        data = bytes(bytearray(b"original-bytes"))
        proc = os.open("/proc", os.O_RDONLY)
        with hermetic_blocker(block_native=True):
            for name in ("self/mem", "./self/mem"):
                try:
                    fd = os.open(name, os.O_RDWR, dir_fd=proc)
                except Exception:
                    continue
                os.pwrite(fd, b"CHANGED", id(data) + 32)
        print(data)
    """
    bare = run_python(code.replace("block_native=True", ""), dict(os.environ))
    assert "CHANGED" in bare.stdout, bare.stderr  # the write itself works
    proc = run_python(code, dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    assert "original-bytes" in proc.stdout
