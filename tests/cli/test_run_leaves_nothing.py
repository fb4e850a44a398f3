"""Nothing a run creates outlives it unless it was written to an allowed path: not processes the
target left running, not the private TMPDIR, however deep or busy the target made it.

Bare, the target's children keep running after it exits (the route is real); under hermetic
they are gone once hermetic has exited, and so is the TMPDIR."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from fs_helpers import TIMEOUT, gone_soon, hermetic, run

# Two children in sessions of their own keep creating directories in the TMPDIR as fast as
# they can (up to a bound, then they sleep), and a third sleeps; the target prints their pids
# and the TMPDIR, then exits.
LEAVE_BUSY_CHILDREN = """
import os, sys, time
where = sys.argv[1] or os.environ['TMPDIR']
pids = []
for k in range(3):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        null = os.open('/dev/null', os.O_RDWR)  # the caller's pipes close with the target
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        if k == 2:
            time.sleep(600)
        for i in range(20000):  # bounded: a bare run's leftovers must not fill the disk
            os.makedirs(f'{where}/c{k}/{i}', exist_ok=True)
        time.sleep(600)
    pids.append(pid)
print(where, *pids, flush=True)
time.sleep(0.2)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes; its parent (init, or our subreaper) reaps it.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def gone_all_soon(pids: list[int]) -> bool:
    deadline = time.monotonic() + TIMEOUT  # a bound on waiting, never an assertion about speed
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_children_left_running_end_with_the_run(tmp_path: Path) -> None:
    bare = run([sys.executable, "-c", LEAVE_BUSY_CHILDREN, str(tmp_path)])
    _, *pids = bare.stdout.split()
    try:
        assert all(alive(int(pid)) for pid in pids), "the children did not outlive the target"
    finally:
        for pid in pids:
            os.kill(int(pid), signal.SIGKILL)

    result = hermetic(["--fs-readonly"], [sys.executable, "-c", LEAVE_BUSY_CHILDREN, ""])
    assert result.returncode == 0, result.stderr
    tmpdir, *pids = result.stdout.split()
    assert gone_all_soon([int(pid) for pid in pids]), pids
    assert gone_soon(Path(tmpdir))


NEST_DEEP = """
import os
d = os.environ['TMPDIR']
print(d, flush=True)
fd = os.open(d, os.O_RDONLY)
for _ in range(1100):  # deeper than the 1024 fds a one-fd-per-level removal may hold
    os.mkdir('d', dir_fd=fd)
    deeper = os.open('d', os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = deeper
os.close(os.open('f', os.O_CREAT | os.O_WRONLY, dir_fd=fd))
"""


def test_a_tmpdir_nested_deeper_than_the_fd_limit_is_removed() -> None:
    # (The kernel layer alone: what is tested is the removal, not the in-process guards.)
    result = hermetic(["--fs-readonly"], [sys.executable, "-c", NEST_DEEP],
                      env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert result.returncode == 0, result.stderr
    assert gone_soon(Path(result.stdout.split()[0]))
