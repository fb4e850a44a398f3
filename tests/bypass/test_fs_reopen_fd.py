"""A file inherited read-only cannot be reopened for writing through /proc/self/fd or /dev/stdin.

Reopening a magic link goes through the file's real path, which Landlock checks; hermetic grants
an inherited stdio file only the direction it is open in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

REOPEN = """
import sys
try:
    with open(sys.argv[1], 'w') as f:
        f.write('tampered')
except OSError as e:
    print('blocked:', e)
print('attempted')
"""


@pytest.mark.parametrize("magic", ["/proc/self/fd/0", "/dev/stdin"])
def test_read_only_stdin_cannot_be_reopened_for_writing(magic: str, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("orig\n")
    args = [sys.executable, "-c", REOPEN, magic]

    with victim.open() as stdin:
        control = subprocess.run(
            args, stdin=stdin, capture_output=True, text=True, timeout=helpers.TIMEOUT
        )
    assert victim.read_text() == "tampered", control.stderr  # the attempt is real
    victim.write_text("orig\n")

    with victim.open() as stdin:
        result = subprocess.run(
            [helpers.hermetic_bin(), "--fs-readonly", "--", *args],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=helpers.TIMEOUT,
        )
    assert "attempted" in result.stdout, result.stderr
    assert victim.read_text() == "orig\n"
