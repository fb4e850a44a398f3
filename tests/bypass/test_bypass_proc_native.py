"""New processes through raw system calls from a C helper: fork, clone without CLONE_THREAD,
clone3. Only the child creates the marker."""

import errno

import pytest

# Under hermetic the helper exits with the errno of the refused call: EPERM for fork and
# clone, ENOSYS for clone3 (so that glibc falls back to clone, where flags are visible).
ATTEMPTS = {"fork": errno.EPERM, "clone": errno.EPERM, "clone3": errno.ENOSYS}


@pytest.mark.parametrize(("how", "blocked_status"), ATTEMPTS.items(), ids=ATTEMPTS.keys())
def test_raw_process_creation(how, blocked_status, proc_sandbox, marker, c_helpers, run_attempt,
                              expect_marker):
    attempt = run_attempt([c_helpers["raw_fork"], how, marker], proc_sandbox)
    expect_marker(proc_sandbox, attempt)
    expected_status = blocked_status if proc_sandbox.sandboxed else 0
    assert attempt.proc.returncode == expected_status, attempt.describe()
