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


@pytest.mark.parametrize("scrubbed", [True, False], ids=["no-environment", "control"])
def test_waiting_hermetic_keeps_no_secret_in_its_own_environ(scrubbed, hermetic_bin, clean_env,
                                                            default_timeout):
    """With a duty after exec (--fs-readonly removes its TMPDIR) hermetic stays as the parent;
    read from outside the sandbox, its /proc/PID/environ must not show the secret. The control
    run (without the flag) shows that this way of looking does find it."""
    flags = ["--no-environment", "--fs-readonly"] if scrubbed else ["--fs-readonly"]
    proc = subprocess.Popen(
        [hermetic_bin, *flags, "--", "sleep", "30"],
        env=clean_env({SECRET_NAME: SECRET_VALUE}), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + default_timeout
        children: list[str] = []
        while time.monotonic() < deadline and not children:  # the target runs: exec is done
            children = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
            time.sleep(0.02)
        assert children, "the target never started"
        own = open(f"/proc/{proc.pid}/environ", "rb").read()
        target = open(f"/proc/{children[0]}/environ", "rb").read()
        if not scrubbed:
            assert SECRET_VALUE.encode() in own and SECRET_VALUE.encode() in target
            return
        assert SECRET_VALUE.encode() not in own
        assert SECRET_VALUE.encode() not in target
        assert b"PATH=" in target  # the target's environment is scrubbed, not gone
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
