"""Helpers shared by the --fs-readonly tests (tests/cli, tests/bypass/test_fs_*).

Kept out of conftest.py so that they do not clash with the suite-wide fixtures; the bypass tests
load this file by path (see tests/bypass/fs_bypass_helpers.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

TIMEOUT = 60  # seconds for one run of hermetic; a hang is a failure, never a pass


def hermetic_bin() -> str:
    """The hermetic executable under test: $HERMETIC_BIN, else `hermetic` on PATH."""
    path = os.environ.get("HERMETIC_BIN") or shutil.which("hermetic")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("no hermetic executable: set HERMETIC_BIN or put hermetic on PATH")
    return path


def run(
    args: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs a command (no stdin), capturing text output, with a timeout."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def gone_soon(path: Path, timeout: float = TIMEOUT) -> bool:
    """Whether `path` disappears within `timeout`. The private TMPDIR is removed by a detached
    cleaner once the target has exited, so just after hermetic returns it may still be there."""
    deadline = time.monotonic() + timeout
    while path.exists() or path.is_symlink():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def hermetic(flags: list[str], target: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return run([hermetic_bin(), *flags, "--", *target], **kwargs)


def snapshot(root: Path) -> dict[str, tuple]:
    """Everything observable about the tree under `root`: names, types, modes, owners, times,
    contents, link targets and extended attributes. Equal snapshots: nothing changed on disk."""
    state: dict[str, tuple] = {}
    paths = [root, *sorted(root.rglob("*"))]
    for path in paths:
        st = path.lstat()
        if path.is_symlink():
            content: object = os.readlink(path)
        elif path.is_file():
            content = path.read_bytes()
        else:
            content = None
        try:
            xattrs = tuple(sorted(os.listxattr(path, follow_symlinks=False)))
        except OSError:
            xattrs = ()
        state[str(path.relative_to(root))] = (
            st.st_mode,
            st.st_uid,
            st.st_gid,
            st.st_size,
            st.st_mtime_ns,
            st.st_nlink,
            content,
            xattrs,
        )
    return state
