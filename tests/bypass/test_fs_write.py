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
