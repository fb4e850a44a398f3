"""--fs-readonly: inode flags changed by ioctl on a file opened for reading.

FS_IOC_SETFLAGS (chattr) works on an fd opened read-only, which Landlock does not look at (its
IOCTL_DEV right covers device files only); the seccomp rows refuse it with EROFS, as chmod.
Judged by the flags the file has afterwards.
"""

from __future__ import annotations

import array
import fcntl
import os
import sys
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602
FS_NODUMP_FL = 0x40  # settable by the file's owner, harmless, and shown by lsattr as `d`

SET_FLAG = f"""
import array, fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
flags = array.array('l', [0])
fcntl.ioctl(fd, {FS_IOC_GETFLAGS:#x}, flags, True)
flags[0] |= {FS_NODUMP_FL:#x}
try:
    fcntl.ioctl(fd, {FS_IOC_SETFLAGS:#x}, flags, True)
    print('set')
except OSError as e:
    print('refused: errno', e.errno)
"""


def read_long(path: Path, request: int) -> int:
    """A `long` an ioctl returns for the file (its flags, its generation)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        value = array.array("l", [0])
        fcntl.ioctl(fd, request, value, True)
        return value[0]
    finally:
        os.close(fd)


def flags_of(path: Path) -> int:
    return read_long(path, FS_IOC_GETFLAGS)


def test_inode_flags_stay_unchanged(tmp_path: Path) -> None:
    victim = tmp_path / "f"
    victim.write_text("x")
    try:
        flags_of(victim)
    except OSError as e:
        pytest.fail(f"the test's filesystem has no inode flags (errno {e.errno})")
    args = [sys.executable, "-c", SET_FLAG, str(victim)]

    control = helpers.run(args)
    assert "set" in control.stdout, control.stdout + control.stderr
    assert flags_of(victim) & FS_NODUMP_FL  # the route works without hermetic

    other = tmp_path / "g"
    other.write_text("x")
    result = helpers.hermetic(["--fs-readonly"], [sys.executable, "-c", SET_FLAG, str(other)],
                              env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert "refused: errno 30" in result.stdout, result.stdout + result.stderr  # EROFS
    assert not flags_of(other) & FS_NODUMP_FL


FS_IOC_GETVERSION = 0x80087601
EXT4_IOC_SETVERSION = 0x40086604  # ext4's own number, not FS_IOC_SETVERSION's ('v', 2)

SET_GENERATION = f"""
import array, fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    fcntl.ioctl(fd, {EXT4_IOC_SETVERSION:#x}, array.array('l', [4242]), True)
    print('set')
except OSError as e:
    print('refused: errno', e.errno)
"""


def generation_of(path: Path) -> int:
    return read_long(path, FS_IOC_GETVERSION)


def test_ext4_inode_generation_stays_unchanged(tmp_path: Path) -> None:
    """EXT4_IOC_SETVERSION needs only the file's owner, not an fd open for writing."""
    control_file = tmp_path / "control"
    control_file.write_text("x")
    control = helpers.run([sys.executable, "-c", SET_GENERATION, str(control_file)])
    if "set" not in control.stdout:
        pytest.fail(f"the test needs ext4 under {tmp_path}: {control.stdout}{control.stderr}")
    assert generation_of(control_file) == 4242

    victim = tmp_path / "victim"
    victim.write_text("x")
    before = generation_of(victim)
    result = helpers.hermetic(["--fs-readonly"], [sys.executable, "-c", SET_GENERATION,
                                                  str(victim)],
                              env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert "refused: errno 30" in result.stdout, result.stdout + result.stderr  # EROFS
    assert generation_of(victim) == before
