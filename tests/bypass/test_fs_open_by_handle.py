"""open_by_handle_at opens a file from a handle, with no path for Landlock to check.

A root target (CAP_DAC_READ_SEARCH) could read any file with it; under --fs-readonly=ROOT the
syscall table denies it (EACCES). It also takes open's flags: O_RDONLY|O_TRUNC by handle
truncates without write access (Landlock's TRUNCATE right is not handled), so --fs-readonly
refuses those flags by handle as by path (EROFS).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="open_by_handle_at needs root")

BY_HANDLE = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
secret = sys.argv[1].encode()
class FileHandle(ctypes.Structure):
    _fields_ = [('handle_bytes', ctypes.c_uint), ('handle_type', ctypes.c_int),
                ('f_handle', ctypes.c_ubyte * 128)]
handle = FileHandle(handle_bytes=128)
mount_id = ctypes.c_int()
AT_FDCWD = -100
if libc.name_to_handle_at(AT_FDCWD, secret, ctypes.byref(handle), ctypes.byref(mount_id), 0):
    print('no handle: errno', ctypes.get_errno())
else:
    mount_fd = os.open(sys.argv[2], os.O_RDONLY)  # ROOT: a readable dir on the same filesystem
    fd = libc.open_by_handle_at(mount_fd, ctypes.byref(handle), os.O_RDONLY)
    if fd < 0:
        print('blocked: errno', ctypes.get_errno())
    else:
        print(os.read(fd, 4096))
print('attempted')
"""


def test_open_by_handle_cannot_reach_a_secret(tmp_path: Path) -> None:
    token = secrets.token_hex(16)
    root = tmp_path / "root"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text(token)
    args = [sys.executable, "-c", BY_HANDLE, str(secret), str(root)]

    control = helpers.run(args)
    assert token in control.stdout, control.stdout + control.stderr

    result = helpers.hermetic([f"--fs-readonly={root}"], args)
    assert "attempted" in result.stdout, result.stderr
    assert token not in result.stdout + result.stderr


TRUNCATE_BY_HANDLE = BY_HANDLE.replace(
    "fd = libc.open_by_handle_at(mount_fd, ctypes.byref(handle), os.O_RDONLY)",
    "fd = libc.open_by_handle_at(mount_fd, ctypes.byref(handle), os.O_RDONLY | os.O_TRUNC)",
).replace("print(os.read(fd, 4096))", "print('opened')")


def test_open_by_handle_cannot_truncate_under_fs_readonly(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    args = [sys.executable, "-c", TRUNCATE_BY_HANDLE, str(victim), str(tmp_path)]

    victim.write_text("precious")
    control = helpers.run(args)
    assert "opened" in control.stdout, control.stdout + control.stderr
    assert victim.read_text() == ""  # the route works without hermetic

    victim.write_text("precious")
    result = helpers.hermetic(["--fs-readonly"], args,
                              env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert "blocked: errno 30" in result.stdout, result.stdout + result.stderr  # EROFS
    assert victim.read_text() == "precious"
