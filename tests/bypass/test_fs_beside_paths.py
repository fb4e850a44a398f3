"""Writes and reads that go past Landlock's paths: the new mount API, POSIX message queues and
the kernel keyring. Each runs bare (the side effect happens: the route is real) and under
hermetic (it does not)."""

from __future__ import annotations

import ctypes
import os
import secrets
import sys
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (fsopen without a namespace)")

# fsopen("overlay") + fsconfig(lowerdir, upperdir, workdir) + FSCONFIG_CMD_CREATE: the kernel
# empties workdir/work before it checks anything else, whether or not the mount could be made.
OVERLAY_CREATE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
lower, upper, work = sys.argv[1:4]
FSOPEN, FSCONFIG = 430, 431
SET_STRING, CMD_CREATE = 1, 6
fd = libc.syscall(FSOPEN, b'overlay', 0)
if fd < 0:
    print('blocked: fsopen errno', ctypes.get_errno())
else:
    for key, value in ((b'lowerdir', lower), (b'upperdir', upper), (b'workdir', work)):
        libc.syscall(FSCONFIG, fd, SET_STRING, key, value.encode(), 0)
    rc = libc.syscall(FSCONFIG, fd, CMD_CREATE, None, None, 0)
    print('create', rc, ctypes.get_errno())
print('attempted')
"""


def overlay_dirs(root: Path) -> tuple[Path, Path, Path, Path]:
    lower, upper, work = root / "lower", root / "upper", root / "work"
    for d in (lower, upper, work / "work" / "sub"):
        d.mkdir(parents=True)
    keep = work / "work" / "sub" / "keep.txt"
    keep.write_text("keep")
    return lower, upper, work, keep


@as_root
def test_new_mount_api_cannot_empty_an_overlay_workdir(tmp_path: Path) -> None:
    lower, upper, work, keep = overlay_dirs(tmp_path / "bare")
    args = [sys.executable, "-c", OVERLAY_CREATE, str(lower), str(upper), str(work)]
    control = helpers.run(args)
    assert "attempted" in control.stdout, control.stderr
    assert not keep.exists(), "fsconfig did not empty the workdir even bare:\n" + control.stdout

    lower, upper, work, keep = overlay_dirs(tmp_path / "sandboxed")
    before = helpers.snapshot(work)
    result = helpers.hermetic(
        ["--fs-readonly"], [sys.executable, "-c", OVERLAY_CREATE, str(lower), str(upper), str(work)]
    )
    assert "attempted" in result.stdout, result.stderr
    assert keep.read_text() == "keep"
    assert helpers.snapshot(work) == before


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mq_open.restype = ctypes.c_int
    return libc


def queue_exists(name: str) -> bool:
    fd = _libc().mq_open(name.encode(), os.O_RDONLY)
    if fd >= 0:
        os.close(fd)
    return fd >= 0


def remove_queue(name: str) -> None:
    _libc().mq_unlink(name.encode())


MQ_CREATE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.mq_open(sys.argv[1].encode(), os.O_CREAT | os.O_RDWR, 0o600, None)
print('mq_open', fd, ctypes.get_errno())
print('attempted')
"""

MQ_UNLINK = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
print('mq_unlink', libc.mq_unlink(sys.argv[1].encode()), ctypes.get_errno())
print('attempted')
"""


def test_posix_message_queue_is_not_created() -> None:
    name = "/hermetic-test-" + secrets.token_hex(6)
    try:
        control = helpers.run([sys.executable, "-c", MQ_CREATE, name])
        assert "attempted" in control.stdout, control.stderr
        assert queue_exists(name), "mq_open did not create the queue even bare"
        remove_queue(name)

        result = helpers.hermetic(["--fs-readonly"], [sys.executable, "-c", MQ_CREATE, name])
        assert "attempted" in result.stdout, result.stderr
        assert not queue_exists(name), result.stdout
    finally:
        remove_queue(name)


def test_another_process_s_message_queue_is_not_removed() -> None:
    name = "/hermetic-test-" + secrets.token_hex(6)
    libc = _libc()
    fd = libc.mq_open(name.encode(), os.O_CREAT | os.O_RDWR, 0o600, None)
    assert fd >= 0, ctypes.get_errno()
    os.close(fd)
    try:
        control = helpers.run([sys.executable, "-c", MQ_UNLINK, name])
        assert "attempted" in control.stdout, control.stderr
        assert not queue_exists(name), "mq_unlink did not remove the queue even bare"
        fd = libc.mq_open(name.encode(), os.O_CREAT | os.O_RDWR, 0o600, None)
        assert fd >= 0
        os.close(fd)

        result = helpers.hermetic(["--fs-readonly"], [sys.executable, "-c", MQ_UNLINK, name])
        assert "attempted" in result.stdout, result.stderr
        assert queue_exists(name), result.stdout
    finally:
        remove_queue(name)


# A secret the user keeps in the kernel keyring: request_key finds it in the session keyring
# every process of the session inherits, KEYCTL_READ reads it.
KEY_READ = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
REQUEST_KEY, KEYCTL, KEYCTL_READ = 249, 250, 11
key = libc.syscall(REQUEST_KEY, b'user', sys.argv[1].encode(), None, 0)
buf = ctypes.create_string_buffer(256)
n = libc.syscall(KEYCTL, KEYCTL_READ, key, buf, 256) if key >= 0 else -1
print('read', buf.raw[:n] if n > 0 else ctypes.get_errno())
print('attempted')
"""


@pytest.fixture
def stored_key() -> tuple[str, str]:
    """A user key with a secret, in a new session keyring this process and its children share."""
    libc = ctypes.CDLL(None, use_errno=True)
    keyctl, add_key = 250, 248
    join_session, session_keyring = 1, -3
    name = "hermetic-test-" + secrets.token_hex(6)
    token = "secret-" + secrets.token_hex(8)
    assert libc.syscall(keyctl, join_session, None) >= 0, ctypes.get_errno()
    key = libc.syscall(add_key, b"user", name.encode(), token.encode(), len(token),
                       session_keyring)
    assert key >= 0, ctypes.get_errno()
    return name, token


def test_kernel_keyring_is_not_readable_under_a_read_root(
    stored_key: tuple[str, str], tmp_path: Path
) -> None:
    name, token = stored_key
    control = helpers.run([sys.executable, "-c", KEY_READ, name])
    assert "attempted" in control.stdout, control.stderr
    assert token in control.stdout, "the key cannot be read even bare:\n" + control.stdout

    root = tmp_path / "root"
    root.mkdir()
    result = helpers.hermetic([f"--fs-readonly={root}"], [sys.executable, "-c", KEY_READ, name])
    assert "attempted" in result.stdout, result.stderr
    assert token not in result.stdout + result.stderr
