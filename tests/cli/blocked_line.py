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


NOTE = "hermetic: note: "


def one_note_line(proc: subprocess.CompletedProcess, status: int, what: str) -> None:
    """A failing run that went on after a refusal: the program's own status, and one note line
    (not the blocked-action line) naming the last refusal, `what`."""
    assert proc.returncode == status, proc.stderr
    assert BLOCKED not in proc.stderr, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if line.startswith(NOTE)]
    assert len(notes) == 1, proc.stderr
    assert f"exit status {status} is the program's own" in notes[0], proc.stderr
    assert what in notes[0], proc.stderr
