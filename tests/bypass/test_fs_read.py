"""Under --fs-readonly=ROOT a secret outside ROOT never reaches the output, whatever the route.

Each route runs without hermetic first: there it must print the secret (the attempt is real).
Under hermetic the secret must appear nowhere in stdout or stderr, while the target still ran.
"""

from __future__ import annotations

import secrets
import sys
import textwrap
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

ROUTES = {
    "open": "print(open(SECRET).read())",
    "os_open": "print(os.read(os.open(SECRET, os.O_RDONLY), 4096))",
    "ctypes_open_read": """
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.open(SECRET.encode(), os.O_RDONLY)
        buf = ctypes.create_string_buffer(4096)
        n = libc.read(fd, buf, 4096) if fd >= 0 else -1
        print(buf.raw[:n] if n > 0 else 'blocked: errno %d' % ctypes.get_errno())
    """,
    "symlink_inside_root": "print(open(ROOT + '/link-to-secret').read())",
    "proc_self_root": "print(open('/proc/self/root' + SECRET).read())",
    "proc_self_cwd": "os.chdir(OUTSIDE); print(open('/proc/self/cwd/' + NAME).read())",
    "relative_dotdot": "os.chdir(ROOT); print(open('../outside/' + NAME).read())",
    # Listing is a read too: the name of a file outside ROOT must not come out either.
    "listdir_outside": "print(os.listdir(OUTSIDE))",
    "child_cat": "subprocess.run(['cat', SECRET], check=False)",
    "child_shell_glob": "subprocess.run(['sh', '-c', 'cat \"$0\"/*', OUTSIDE], check=False)",
}


def attempt_script(code: str) -> str:
    body = textwrap.indent(textwrap.dedent(code).strip(), "    ")
    return (
        "import ctypes, os, subprocess, sys\n"
        "ROOT, OUTSIDE, NAME = sys.argv[1:4]\n"
        "SECRET = OUTSIDE + '/' + NAME\n"
        f"try:\n{body}\nexcept OSError as e:\n    print('blocked:', e)\n"
        "sys.stdout.flush()\n"
        "print('attempted')\n"
    )


@pytest.mark.parametrize("code", ROUTES.values(), ids=ROUTES.keys())
def test_secret_outside_root_never_reaches_output(code: str, tmp_path: Path) -> None:
    token = secrets.token_hex(16)
    name_token = secrets.token_hex(16)  # error messages may name the path, never list it
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    name = f"secret-{name_token}.txt"
    (outside / name).write_text(f"{token}\n")
    (root / "link-to-secret").symlink_to(outside / name)
    args = [sys.executable, "-c", attempt_script(code), str(root), str(outside), name]

    leak = name_token if "listdir" in code else token
    control = helpers.run(args)
    assert leak in control.stdout, control.stderr

    result = helpers.hermetic([f"--fs-readonly={root}"], args)
    assert "attempted" in result.stdout, result.stderr
    assert token not in result.stdout + result.stderr
    if "listdir" in code:
        assert name_token not in result.stdout
