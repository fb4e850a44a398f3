"""Typing into the caller's terminal (TIOCSTI): a command run outside the sandbox.

The target shares the caller's terminal. TIOCSTI pushes bytes into the terminal's input queue,
where the caller's shell reads them as typed once the target has exited: a way out of every
kernel-layer flag at once. Judged by the side effect: what the terminal's input queue holds
after the run. (CAP_SYS_ADMIN passes the dev.tty.legacy_tiocsti=0 setting, so root targets can
always do it; the control run shows it works here.)
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import termios

import pytest
from fs_bypass_helpers import helpers

INJECT = """
import fcntl, termios
try:
    for byte in b'touch /tmp/pwned\\n':
        fcntl.ioctl(0, termios.TIOCSTI, bytes([byte]))
    print('injected')
except OSError as e:
    print('refused: errno', e.errno)
"""


def queued_input(master: int, slave: int) -> bytes:
    """What a reader of the terminal would get now (the shell, after the target exits)."""
    attrs = termios.tcgetattr(slave)
    attrs[3] &= ~termios.ICANON  # whole queue, not line by line
    attrs[6][termios.VMIN] = 0
    attrs[6][termios.VTIME] = 0
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    try:
        return os.read(slave, 4096)
    except BlockingIOError:
        return b""


def run_on_terminal(argv: list[str]) -> tuple[subprocess.CompletedProcess[str], bytes]:
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(argv, stdin=slave, capture_output=True, text=True,
                              timeout=helpers.TIMEOUT, env={**os.environ,
                                                            "HERMETIC_INPROCESS": "0"})
        return proc, queued_input(master, slave)
    finally:
        os.close(master)
        os.close(slave)


def test_control_injection_works_here() -> None:
    proc, queued = run_on_terminal([sys.executable, "-c", INJECT])
    assert proc.stdout.strip() == "injected", proc.stdout + proc.stderr
    assert queued == b"touch /tmp/pwned\n"


@pytest.mark.parametrize("flags", [["--no-network"], ["--no-subprocess"], ["--fs-readonly"],
                                   ["--fs-readonly=/"]], ids=lambda f: f[0])
def test_no_byte_reaches_the_callers_terminal(flags: list[str]) -> None:
    proc, queued = run_on_terminal([helpers.hermetic_bin(), *flags, "--", sys.executable, "-c",
                                    INJECT])
    assert proc.stdout.strip() == "refused: errno 1", proc.stdout + proc.stderr  # EPERM
    assert queued == b""
