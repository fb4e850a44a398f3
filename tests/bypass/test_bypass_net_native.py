"""Native code below libc: raw syscall(), io_uring (IORING_OP_SOCKET + IORING_OP_CONNECT) and
the i386 system call gate `int $0x80` used from a 64-bit program (socketcall and the direct
socket/connect calls). The C helpers are in tests/helpers/."""

import signal

import pytest

# helper name, its arguments before the port, and how it must end under hermetic (the helpers
# exit with the errno of the refused step; a foreign-ABI call kills the process).
ATTEMPTS = {
    "raw_syscall_socket_connect": ("raw_connect", [], 13),  # EACCES from socket()
    "io_uring_connect": ("uring_connect", [], 38),  # ENOSYS from io_uring_setup()
    "i386_socketcall": ("i386_connect", ["socketcall"], -signal.SIGSYS),
    "i386_socket_connect": ("i386_connect", ["direct"], -signal.SIGSYS),
}


@pytest.mark.parametrize(("helper", "args", "blocked_status"), ATTEMPTS.values(),
                         ids=ATTEMPTS.keys())
def test_native(helper, args, blocked_status, net_sandbox, listener, c_helpers, run_attempt,
                expect_contact):
    attempt = run_attempt([c_helpers[helper], *args, str(listener.port)], net_sandbox)
    expect_contact(net_sandbox, attempt)
    # How it failed, once the side effect is settled: at the step the rules name.
    expected_status = blocked_status if net_sandbox.sandboxed else 0
    assert attempt.proc.returncode == expected_status, attempt.describe()
