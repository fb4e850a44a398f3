"""A hermetic process that outlives the target's exec holds the exec token (the one exec
--no-subprocess lets through) and the environment --no-environment took away. A target that
lifts its waiting parent's core limit (prlimit is no ptrace check) and makes it dump core
(SIGABRT) could read both from the core file. The waiting parent is undumpable and, with
Landlock ABI 6, out of the target's signal reach; it also forgets the token once the target
runs. Judged by the side effect: a core file in the run's working directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

ATTACK = """
import os, resource, signal, time
parent = os.getppid()
try:
    resource.prlimit(parent, resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)
except OSError as e:
    print('prlimit refused', e.errno)
print('signalling', flush=True)  # a target dies with its hermetic: say it first
try:
    os.kill(parent, signal.SIGABRT)
    print('signalled')
except OSError as e:
    print('kill refused', e.errno)
time.sleep(1)
"""


def cores(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("core"))


def test_control_a_process_dumps_core_here(tmp_path: Path) -> None:
    """Without hermetic the same signal leaves a core file where the run works (else the
    test below could not fail)."""
    if "|" in Path("/proc/sys/kernel/core_pattern").read_text():
        pytest.fail("the test needs core_pattern to name a file, not a pipe")
    subprocess.run(["sh", "-c", "ulimit -c unlimited; kill -ABRT $$"], cwd=tmp_path,
                   timeout=helpers.TIMEOUT, check=False)
    assert cores(tmp_path), "no core file: the kernel does not dump core here"


# Each keeps hermetic waiting: a supervisor; below ABI 6 (no signal scope) the hosts file of
# --resolve.
WAITING = {
    "": ["--no-subprocess", "--no-network", "--allow-localhost"],
    "5": ["--no-subprocess", "--resolve", "api.test:127.0.0.1"],
}


@pytest.mark.parametrize("abi_max", ["", "5"], ids=["scoped-signals", "abi-5-undumpable"])
def test_waiting_parent_leaves_no_core_file(abi_max: str, tmp_path: Path) -> None:
    """With the signal scope the kill is refused; below ABI 6 hermetic dies of it, undumpable."""
    result = subprocess.run(
        [helpers.hermetic_bin(), *WAITING[abi_max], "--", sys.executable, "-c", ATTACK],
        cwd=tmp_path, capture_output=True, text=True, timeout=helpers.TIMEOUT,
        env={**os.environ, "HERMETIC_INPROCESS": "0", "HERMETIC_LANDLOCK_ABI_MAX": abi_max},
    )
    if abi_max == "":
        assert "kill refused 1" in result.stdout, result.stdout + result.stderr
    else:
        assert "signalling" in result.stdout, result.stdout + result.stderr  # the attack ran
    assert cores(tmp_path) == [], result.stdout + result.stderr
