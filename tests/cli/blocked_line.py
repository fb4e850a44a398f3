"""hermetic's report of a run that ended on a blocked action, as the CLI tests check it."""

from __future__ import annotations

import subprocess

BLOCKED = "hermetic: blocked action: "


def one_blocked_line(proc: subprocess.CompletedProcess, what: str) -> None:
    """hermetic's own report: the last stderr line, naming `what`; exit status 2."""
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith(BLOCKED + what), proc.stderr
    assert proc.stderr.count(BLOCKED) == 1, proc.stderr
