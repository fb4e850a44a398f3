"""Ways around anything done to the `socket` module in the process: libc through ctypes, and a
second, fresh copy of the socket module executed from its own file."""

import pytest

ATTEMPTS = {
    "ctypes_libc_socket_connect": """
        import ctypes, socket, struct, sys
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(2, 1, 0)  # AF_INET, SOCK_STREAM
        if fd < 0:
            sys.exit(f"socket: errno {ctypes.get_errno()}")
        addr = (struct.pack("=H", 2) + struct.pack("!H", int(sys.argv[1]))
                + socket.inet_aton("127.0.0.1") + bytes(8))
        if libc.connect(fd, addr, len(addr)) != 0:
            sys.exit(f"connect: errno {ctypes.get_errno()}")
    """,
    "second_socket_module_from_file": """
        import importlib.util, socket, sys
        spec = importlib.util.spec_from_file_location("socket_copy", socket.__file__)
        copy = importlib.util.module_from_spec(spec)
        sys.modules["socket_copy"] = copy  # enum's _convert_ looks the module up there
        spec.loader.exec_module(copy)
        assert copy is not socket and copy.socket is not socket.socket
        copy.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    """,
}


@pytest.mark.parametrize("code", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_module_copy(code, net_sandbox, listener, run_attempt, python_attempt, expect_contact):
    attempt = run_attempt(python_attempt(code, listener.port), net_sandbox)
    expect_contact(net_sandbox, attempt)
