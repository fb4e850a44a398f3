"""Under --fs-readonly nothing on disk changes, whatever route a write takes.

Each route runs twice on a fresh directory: without hermetic it must change the directory (the
attempt is real), under hermetic the directory must stay byte-for-byte, mode-for-mode the same.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown, mknod of a device)")

ROUTES = {
    "open_w": "open(D + '/new', 'w').write('x')",
    "os_open_creat": "os.close(os.open(D + '/new', os.O_CREAT | os.O_WRONLY, 0o644))",
    "pathlib_write_text": "pathlib.Path(D, 'new').write_text('x')",
    "overwrite_existing": "open(D + '/f', 'r+').write('X')",
    "append": "open(D + '/f', 'a').write('more')",
    "os_mkdir": "os.mkdir(D + '/newdir')",
    "os_rmdir": "os.rmdir(D + '/sub')",
    "os_symlink": "os.symlink('/etc/hostname', D + '/lnk')",
    "os_link": "os.link(D + '/f', D + '/hard')",
    "ctypes_fopen": """
        libc = ctypes.CDLL(None, use_errno=True)
        libc.fopen.restype = ctypes.c_void_p
        libc.fputs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        libc.fclose.argtypes = [ctypes.c_void_p]
        stream = libc.fopen((D + '/new').encode(), b'w')
        if stream:
            libc.fputs(b'x', stream)
            libc.fclose(stream)
        else:
            print('blocked: fopen errno', ctypes.get_errno())
    """,
    "child_touch": "subprocess.run(['touch', D + '/new'], check=False)",
    "child_shell_redirect": "subprocess.run(['sh', '-c', 'echo x > \"$0/new\"', D], check=False)",
    "os_remove": "os.remove(D + '/f')",
    "os_rename": "os.rename(D + '/f', D + '/g')",
    "os_rename_into_subdir": "os.rename(D + '/f', D + '/sub/f')",
    "os_truncate": "os.truncate(D + '/f', 0)",
    # Truncation without asking to write: O_TRUNC with a read-only access mode, or with mode 3
    # (which asks for neither read nor write), still truncates; openat2 carries its flags in a
    # struct that no seccomp rule can read.
    "open_rdonly_trunc": "os.close(os.open(D + '/f', os.O_RDONLY | os.O_TRUNC))",
    "open_accmode3_trunc": "os.close(os.open(D + '/f', 3 | os.O_TRUNC))",
    "openat2_rdonly_trunc": """
        class OpenHow(ctypes.Structure):
            _fields_ = [('flags', ctypes.c_uint64), ('mode', ctypes.c_uint64),
                        ('resolve', ctypes.c_uint64)]
        libc = ctypes.CDLL(None, use_errno=True)
        how = OpenHow(os.O_RDONLY | os.O_TRUNC, 0, 0)
        fd = libc.syscall(437, -100, (D + '/f').encode(), ctypes.byref(how),
                          ctypes.sizeof(how))
        if fd < 0:
            print('blocked: openat2 errno', ctypes.get_errno())
    """,
    "os_chmod": "os.chmod(D + '/f', 0o600)",
    "os_fchmod": "os.fchmod(os.open(D + '/f', os.O_RDONLY), 0o600)",
    "os_utime": "os.utime(D + '/f', (0, 0))",
    "os_futimens": "os.utime(os.open(D + '/f', os.O_RDONLY), (0, 0))",
    "os_setxattr": "os.setxattr(D + '/f', 'user.hermetic', b'1')",
    "os_mkfifo": "os.mkfifo(D + '/fifo')",
    "os_chown": pytest.param("os.chown(D + '/f', 1234, 1234)", marks=as_root),
    "mknod_char_device": pytest.param(
        "os.mknod(D + '/null2', 0o666 | stat.S_IFCHR, os.makedev(1, 3))", marks=as_root
    ),
}


def attempt_script(code: str) -> str:
    body = textwrap.indent(textwrap.dedent(code).strip(), "    ")
    return (
        "import ctypes, os, pathlib, stat, subprocess, sys\n"
        "D = sys.argv[1]\n"
        f"try:\n{body}\nexcept OSError as e:\n    print('blocked:', e)\n"
        "print('attempted')\n"
    )


def make_tree(root: Path) -> Path:
    root.mkdir()
    (root / "f").write_text("orig\n")
    (root / "f").chmod(0o644)
    os.utime(root / "f", (1_000_000_000, 1_000_000_000))
    (root / "sub").mkdir()
    return root


@pytest.mark.parametrize("code", ROUTES.values(), ids=ROUTES.keys())
def test_write_route_changes_nothing(code: str, tmp_path: Path) -> None:
    script = attempt_script(code)

    bare = make_tree(tmp_path / "bare")
    before = helpers.snapshot(bare)
    control = helpers.run([sys.executable, "-c", script, str(bare)])
    assert "attempted" in control.stdout, control.stderr
    assert helpers.snapshot(bare) != before, "the route does not write even without hermetic"

    sandboxed = make_tree(tmp_path / "sandboxed")
    before = helpers.snapshot(sandboxed)
    result = helpers.hermetic(["--fs-readonly"], [sys.executable, "-c", script, str(sandboxed)])
    assert "attempted" in result.stdout, result.stderr  # the target ran and made its attempt
    assert helpers.snapshot(sandboxed) == before


def test_io_uring_open_with_o_trunc_changes_nothing(c_helpers: dict[str, Path],
                                                      tmp_path: Path) -> None:
    """IORING_OP_OPENAT makes no open system call: whatever checks O_TRUNC must see it too."""
    helper = str(c_helpers["uring_open_trunc"])
    bare = make_tree(tmp_path / "bare")
    control = helpers.run([helper, str(bare / "f")])
    assert control.returncode == 0, control.stderr
    assert (bare / "f").read_text() == "", "the route does not truncate even without hermetic"

    sandboxed = make_tree(tmp_path / "sandboxed")
    before = helpers.snapshot(sandboxed)
    result = helpers.hermetic(["--fs-readonly"], [helper, str(sandboxed / "f")])
    assert result.returncode != 0, result.stderr
    assert helpers.snapshot(sandboxed) == before
