"""Under --fs-readonly=ROOT the system paths a program needs stay readable, but not the secrets
beside them: the machine's TLS private keys (/etc/ssl/private, next to the certificates) and
other sessions' terminals (/dev/pts, next to the target's own). Bare, each read finds the
secret (the route is real); under hermetic it must not."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

READ_FILE = """
import sys
try:
    print(open(sys.argv[1]).read())
except OSError as e:
    print('blocked:', e)
print('attempted')
"""


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    return root


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: /etc/ssl/private is root's")
def test_tls_private_keys_are_not_readable(tmp_path: Path) -> None:
    private = Path("/etc/ssl/private")
    if not private.is_dir():
        pytest.fail("this machine has no /etc/ssl/private (Debian's ssl-cert layout)")
    token = "KEY-" + secrets.token_hex(8)
    key = private / f"hermetic-test-{secrets.token_hex(4)}.pem"
    key.write_text(token)
    try:
        control = helpers.run([sys.executable, "-c", READ_FILE, str(key)])
        assert token in control.stdout, control.stderr  # the route is real

        result = helpers.hermetic(
            [f"--fs-readonly={make_root(tmp_path)}"], [sys.executable, "-c", READ_FILE, str(key)]
        )
        assert "attempted" in result.stdout, result.stderr
        assert token not in result.stdout + result.stderr
    finally:
        key.unlink()


def test_certificates_stay_readable(tmp_path: Path) -> None:
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    result = helpers.hermetic(
        [f"--fs-readonly={make_root(tmp_path)}"], [sys.executable, "-c", READ_FILE, str(bundle)]
    )
    assert "BEGIN CERTIFICATE" in result.stdout, result.stderr


# What a user types into another terminal waits in that pty's input queue; whoever opens the
# pty's slave by path and reads it takes the typing.
READ_TERMINAL = """
import os, select, sys
try:
    fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NOCTTY)
    if select.select([fd], [], [], 10)[0]:
        print('read', os.read(fd, 100))
except OSError as e:
    print('blocked:', e)
print('attempted')
"""


def test_another_sessions_terminal_is_not_readable(tmp_path: Path) -> None:
    token = "typed-" + secrets.token_hex(8)
    root = make_root(tmp_path)
    for sandboxed in (False, True):
        master, slave = os.openpty()  # "another session": its slave stays open, as a shell's
        try:
            os.write(master, (token + "\n").encode())  # what its user typed
            args = [sys.executable, "-c", READ_TERMINAL, os.ttyname(slave)]
            if sandboxed:
                result = helpers.hermetic([f"--fs-readonly={root}"], args)
                assert "attempted" in result.stdout, result.stderr
                assert token not in result.stdout + result.stderr
            else:
                control = helpers.run(args)
                assert token in control.stdout, control.stdout + control.stderr
        finally:
            os.close(master)
            os.close(slave)
