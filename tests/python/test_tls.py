"""TLS to an allowed domain works: a local TLS server for 'localhost', allowed by domain only."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading

import pytest
from hermetic import PolicyViolation, hermetic_blocker


@pytest.fixture
def tls_server(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl(1) is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    served = []

    def serve() -> None:
        conn, _ = server.accept()
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                served.append(tls.recv(5))
                tls.sendall(b"pong!")
        except (ssl.SSLError, OSError):
            conn.close()  # the plain connection that releases a test that connected nothing

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], cert, served
    thread.join(timeout=5)
    server.close()


def test_tls_to_an_allowed_domain(tls_server):
    port, cert, served = tls_server
    client = ssl.create_default_context(cafile=str(cert))
    with hermetic_blocker(block_network=True, allow_domains=["localhost"]):
        with socket.create_connection(("localhost", port), timeout=5) as raw:
            with client.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"ping!")
                assert tls.recv(5) == b"pong!"
    assert served == [b"ping!"]


def test_tls_to_a_name_not_allowed_is_refused_before_connecting(tls_server):
    port, _, served = tls_server
    with hermetic_blocker(block_network=True, allow_domains=["api.test"]):
        with pytest.raises(PolicyViolation):
            socket.create_connection(("localhost", port), timeout=5)
    # Unblock the server thread with a plain connection after the block.
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert served == []
