"""Children of the target inherit --no-network: a forked child, a child Python, and a shell
that opens a TCP connection with bash's /dev/tcp."""

import shutil

import pytest

CONNECT = """
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
"""

ATTEMPTS = {
    "forked_child": f"""
        import os, sys
        pid = os.fork()
        if pid == 0:
            try:
                exec({CONNECT!r})
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    """,
    "child_python": f"""
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {CONNECT!r}, sys.argv[1]], timeout=30)
    """,
}


@pytest.mark.parametrize("code", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_python_child(code, net_sandbox, listener, run_attempt, python_attempt, expect_contact):
    attempt = run_attempt(python_attempt(code, listener.port), net_sandbox)
    expect_contact(net_sandbox, attempt)


def test_bash_dev_tcp(net_sandbox, listener, run_attempt, expect_contact):
    bash = shutil.which("bash")
    assert bash is not None, "bash is needed for this attempt"
    script = ': > "$HERMETIC_TEST_STARTED"; exec 3<>"/dev/tcp/127.0.0.1/$1"'
    attempt = run_attempt([bash, "-c", script, "bash", str(listener.port)], net_sandbox)
    expect_contact(net_sandbox, attempt)

