"""New processes through raw system calls from a C helper: fork, clone without CLONE_THREAD,
clone3, and fork through the i386 gate `int $0x80`. Only the child creates the marker."""

import errno
import signal

import pytest

# helper, its arguments before the marker, and how it must end under hermetic: the helpers
# exit with the errno of the refused call (EPERM for fork and clone, ENOSYS for clone3 so that
# glibc falls back to clone, where the flags are visible); a foreign-ABI call kills the process.
ATTEMPTS = {
    "fork": ("raw_fork", ["fork"], errno.EPERM),
    "clone": ("raw_fork", ["clone"], errno.EPERM),
    "clone3": ("raw_fork", ["clone3"], errno.ENOSYS),
    "i386_fork": ("i386_fork", [], -signal.SIGSYS),
}


@pytest.mark.parametrize(("helper", "args", "blocked_status"), ATTEMPTS.values(),
                         ids=ATTEMPTS.keys())
def test_raw_process_creation(helper, args, blocked_status, proc_sandbox, marker, c_helpers,
                              run_attempt, expect_marker):
    attempt = run_attempt([c_helpers[helper], *args, marker], proc_sandbox)
    expect_marker(proc_sandbox, attempt)
    expected_status = blocked_status if proc_sandbox.sandboxed else 0
    assert attempt.proc.returncode == expected_status, attempt.describe()
