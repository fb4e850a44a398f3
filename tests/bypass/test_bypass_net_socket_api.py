"""The socket module, every way a Python program opens a connection or sends a datagram.
Each snippet gets the listener's port as sys.argv[1]; the listener counts what arrives."""

import pytest

ATTEMPTS = {
    "create_connection": """
        import socket, sys
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    """,
    "connect_ex": """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))
    """,
    "_socket_directly": """
        import _socket, sys
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        s.connect(("127.0.0.1", int(sys.argv[1])))
    """,
    "ipv4_mapped_ipv6": """
        import socket, sys
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.connect(("::ffff:127.0.0.1", int(sys.argv[1])))
    """,
    "udp_sendto": """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"escape", ("127.0.0.1", int(sys.argv[1])))
    """,
    "udp_sendmsg": """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendmsg([b"esc", b"ape"], [], 0, ("127.0.0.1", int(sys.argv[1])))
    """,
    "udp_connected_send": """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", int(sys.argv[1])))
        s.send(b"escape")
    """,
}


@pytest.mark.parametrize("code", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_socket_api(code, net_sandbox, listener, run_attempt, python_attempt, expect_contact):
    attempt = run_attempt(python_attempt(code, listener.port), net_sandbox)
    expect_contact(net_sandbox, attempt)
