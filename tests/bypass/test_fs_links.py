"""Hard links cannot carry a protected file into a place where hermetic allows access.

A link of a read-only file into the private TMPDIR or an --allow-write directory would make it
writable there by path; a link of a secret into them would make it readable. Landlock's REFER
right is granted only inside the writable places, so linking in from outside fails.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

# --no-subprocess adds a Landlock layer of its own, which grants REFER everywhere (it limits exec
# only): the write layer must still refuse links from outside on its own.
EXTRA = pytest.mark.parametrize("extra", [[], ["--no-subprocess"]], ids=["alone", "no-subprocess"])

LINK_AND_WRITE = """
import os, sys
victim, where = sys.argv[1], sys.argv[2] or os.environ['TMPDIR']
try:
    os.link(victim, where + '/alias')
    with open(where + '/alias', 'a') as f:
        f.write('tampered')
except OSError as e:
    print('blocked:', e)
print('attempted')
"""

LINK_AND_READ = """
import os, sys
secret, where = sys.argv[1], sys.argv[2] or os.environ['TMPDIR']
try:
    os.link(secret, where + '/alias')
    print(open(where + '/alias').read())
except OSError as e:
    print('blocked:', e)
print('attempted')
"""


@EXTRA
def test_hard_link_into_tmpdir_does_not_make_a_file_writable(
    extra: list[str], tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("orig\n")
    result = helpers.hermetic(
        [*extra, "--fs-readonly"], [sys.executable, "-c", LINK_AND_WRITE, str(victim), ""]
    )
    assert "attempted" in result.stdout, result.stderr
    assert victim.read_text() == "orig\n"


@EXTRA
def test_hard_link_into_allowed_dir_does_not_make_a_file_writable(
    extra: list[str], tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("orig\n")
    allowed = tmp_path / "out"
    allowed.mkdir()
    args = [sys.executable, "-c", LINK_AND_WRITE, str(victim), str(allowed)]

    control = helpers.run(args)
    assert victim.read_text() == "orig\ntampered", control.stderr  # the attempt is real
    victim.write_text("orig\n")
    (allowed / "alias").unlink()

    result = helpers.hermetic([*extra, "--fs-readonly", "--allow-write", str(allowed)], args)
    assert "attempted" in result.stdout, result.stderr
    assert victim.read_text() == "orig\n"
    assert list(allowed.iterdir()) == []


@EXTRA
def test_hard_link_of_a_secret_into_tmpdir_does_not_make_it_readable(
    extra: list[str], tmp_path: Path
) -> None:
    token = secrets.token_hex(16)
    root = tmp_path / "root"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text(token)
    result = helpers.hermetic(
        [*extra, f"--fs-readonly={root}"], [sys.executable, "-c", LINK_AND_READ, str(secret), ""]
    )
    assert "attempted" in result.stdout, result.stderr
    assert token not in result.stdout + result.stderr


SYMLINK_AND_WRITE = """
import os, sys
victim, where = sys.argv[1], sys.argv[2]
try:
    os.symlink(victim, where + '/alias')
    with open(where + '/alias', 'a') as f:
        f.write('tampered')
except OSError as e:
    print('blocked:', e)
print('attempted')
"""


@EXTRA
def test_symlink_in_allowed_dir_does_not_make_its_target_writable(
    extra: list[str], tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("orig\n")
    allowed = tmp_path / "out"
    allowed.mkdir()
    args = [sys.executable, "-c", SYMLINK_AND_WRITE, str(victim), str(allowed)]

    control = helpers.run(args)
    assert victim.read_text() == "orig\ntampered", control.stderr  # the attempt is real
    victim.write_text("orig\n")
    (allowed / "alias").unlink()

    result = helpers.hermetic([*extra, "--fs-readonly", "--allow-write", str(allowed)], args)
    assert "attempted" in result.stdout, result.stderr
    assert victim.read_text() == "orig\n"
