"""The supervisor lives in the hermetic process. Killed mid-run, it leaves the target unable to
connect anywhere: the kernel fails every trapped call (ENOSYS) once the listener is gone.

A target dies with its hermetic (PR_SET_PDEATHSIG); this one undoes that first, as a target bent
on outliving the supervisor could, so that what the kernel does without a supervisor shows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _net import netns

pytest_plugins = ["netns"]

TARGET = """
import ctypes, os, socket, sys, time
ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG, 0: outlive hermetic
local, far, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ready, go = sys.argv[4], sys.argv[5]
socket.create_connection(('127.0.0.1', local), timeout=10).close()
open(ready, 'w').close()
while not os.path.exists(go):
    time.sleep(0.01)
for host, p in (('127.0.0.1', local), (far, port)):
    try:
        socket.create_connection((host, p), timeout=10).close()
        print('connected', flush=True)
    except OSError as e:
        print('errno', e.errno, flush=True)
"""


def wait_for(path: Path, seconds: float = netns.WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path} never appeared")
        time.sleep(0.01)


def test_killing_the_supervisor_fails_closed(
    hermetic_bin: str, loopback, remote, tmp_path: Path
) -> None:
    ready, go, out = tmp_path / "ready", tmp_path / "go", tmp_path / "out"
    with out.open("w") as stdout:
        proc = subprocess.Popen(
            [
                hermetic_bin,
                "--no-network",
                "--allow-localhost",
                "--",
                sys.executable,
                "-c",
                TARGET,
                str(loopback.port),
                remote.host,
                str(remote.port),
                str(ready),
                str(go),
            ],
            stdout=stdout,
            stderr=subprocess.PIPE,
            start_new_session=True,  # the target survives its parent; we reap it by group
            env=netns.kernel_only_env(),
        )
        try:
            wait_for(ready)
            os.kill(proc.pid, signal.SIGKILL)  # hermetic, and with it the supervisor
            proc.wait(timeout=netns.WAIT_SECONDS)
            go.touch()
            deadline = time.monotonic() + netns.WAIT_SECONDS
            while out.read_text().count("\n") < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert out.read_text().splitlines() == ["errno 38", "errno 38"]  # ENOSYS, both
    assert loopback.events() == ["tcp"]  # only the connect made while supervised
    assert remote.events() == []
