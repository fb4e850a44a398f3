"""--no-environment as users run it: both layers. The kernel side (a scrubbed environment for
every reader) is covered reader by reader in tests/bypass/test_bypass_env_leaks.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

SECRET_NAME = "HERMETIC_TEST_API_KEY"
SECRET_VALUE = "k3y-77d0a1"


def test_python_read_is_refused_with_one_line(run_hermetic, clean_env):
    proc = run_hermetic(["--no-environment", "--", sys.executable, "-c",
                         f"import os; print(os.environ[{SECRET_NAME!r}])"],
                        env=clean_env({SECRET_NAME: SECRET_VALUE}))
    assert proc.returncode == 2, proc.stderr
    expected = f"hermetic: blocked action: environment disabled: os.environ[{SECRET_NAME!r}]\n"
    assert proc.stderr == expected
    assert SECRET_VALUE not in proc.stdout


def _run_processes(pid: int) -> list[int]:
    """The process `pid` and its children: a hermetic run's target, cleaner or waiting parent."""
    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    return [pid, *map(int, children)]


def _comm(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""


@pytest.mark.parametrize("layout", [
    ["--fs-readonly"],  # hermetic becomes the target; a detached cleaner removes the TMPDIR
    ["--no-network", "--allow-localhost"],  # hermetic stays as the target's supervising parent
], ids=["tmpdir-cleaner", "waiting-parent"])
@pytest.mark.parametrize("scrubbed", [True, False], ids=["no-environment", "control"])
def test_no_process_of_the_run_keeps_the_secret_in_its_environ(layout, scrubbed, hermetic_bin,
                                                                clean_env, default_timeout):
    """Read from outside the sandbox, no process of the run (the target, and the hermetic process
    that outlives the exec: a cleaner or a waiting parent) shows the secret in /proc/PID/environ.
    The control run (without the flag) shows that this way of looking does find it."""
    flags = ["--no-environment", *layout] if scrubbed else layout
    proc = subprocess.Popen(
        [hermetic_bin, *flags, "--", "sleep", "30"],
        env=clean_env({SECRET_NAME: SECRET_VALUE}), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + default_timeout
        processes: list[int] = []
        while time.monotonic() < deadline:  # until the target runs: every exec is done
            processes = _run_processes(proc.pid)
            if len(processes) == 2 and "sleep" in map(_comm, processes):
                break
            time.sleep(0.02)
        assert len(processes) == 2 and "sleep" in map(_comm, processes), processes
        environs = {pid: open(f"/proc/{pid}/environ", "rb").read() for pid in processes}
        target = next(pid for pid in processes if _comm(pid) == "sleep")
        for pid, environ in environs.items():
            assert (SECRET_VALUE.encode() in environ) == (not scrubbed), (pid, _comm(pid))
        assert b"PATH=" in environs[target]  # the target's environment is scrubbed, not gone
    finally:
        proc.kill()
        proc.wait(default_timeout)


def test_without_the_flag_the_secret_is_there(run_hermetic, clean_env):
    """The control: the same read works when the flag is not given."""
    proc = run_hermetic(["--no-network", "--", sys.executable, "-c",
                         f"import os; print(os.environ[{SECRET_NAME!r}])"],
                        env=clean_env({SECRET_NAME: SECRET_VALUE}))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == SECRET_VALUE
    assert os.environ.get(SECRET_NAME) is None  # the test process itself never had it


READ_CALLER_ENVIRON = {
    "by-path": "import os; print(open(f'/proc/{os.getppid()}/environ', 'rb').read())",
    # os.open's dir_fd is not in the audit event: a bare name relative to /proc/PID.
    "by-dir-fd": ("import os; d = os.open(f'/proc/{os.getppid()}', os.O_DIRECTORY); "
                  "print(os.read(os.open('environ', os.O_RDONLY, dir_fd=d), 4096))"),
}


@pytest.mark.parametrize("code", READ_CALLER_ENVIRON.values(), ids=READ_CALLER_ENVIRON.keys())
def test_python_reading_another_processs_environ_is_refused(code, run_hermetic, clean_env):
    """The caller started with the secret and still shows it in /proc/PID/environ, which no
    kernel rule here hides (README). The in-process layer refuses a Python target that reads
    it (or any process's environ file) under --no-environment."""
    proc = run_hermetic(["--no-environment", "--", sys.executable, "-c", code],
                        env=clean_env({SECRET_NAME: SECRET_VALUE}))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("hermetic: blocked action: environment disabled: ")
    assert SECRET_VALUE not in proc.stdout
