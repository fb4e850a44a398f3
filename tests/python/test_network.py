"""Network guard: blocked and allowed cases, judged by a loopback listener's accept count."""

from __future__ import annotations

import _socket
import importlib
import importlib.util
import socket
import sys
from socket import create_connection  # captured before any block

import pytest
from hermetic import PolicyViolation, hermetic_blocker


def test_reference_captured_before_the_block_is_blocked(listener):
    with hermetic_blocker(block_network=True):
        with pytest.raises(PolicyViolation) as info:
            create_connection(listener.address, timeout=2)
    assert info.value.guard == "network"
    assert listener.settled_count() == 0
    create_connection(listener.address, timeout=2).close()  # and the listener does count
    assert listener.settled_count() == 1


def test_raw_socket_module_is_blocked(listener):
    with hermetic_blocker(block_network=True):
        with pytest.raises(PolicyViolation):
            s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
            s.connect(listener.address)
    assert listener.settled_count() == 0


def test_raw_socket_created_before_the_block_cannot_connect(listener):
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        with hermetic_blocker(block_network=True):
            with pytest.raises(PolicyViolation, match=r"connect\(127\.0\.0\.1:"):
                s.connect(listener.address)
            with pytest.raises(PolicyViolation):
                s.connect_ex(listener.address)
    finally:
        s.close()
    assert listener.settled_count() == 0


def test_second_copy_of_socket_loaded_from_its_file_is_blocked(listener):
    with hermetic_blocker(block_network=True):
        spec = importlib.util.spec_from_file_location("socket_copy", socket.__file__)
        assert spec is not None and spec.loader is not None
        copy = importlib.util.module_from_spec(spec)
        sys.modules["socket_copy"] = copy  # socket.py looks itself up while it runs
        try:
            spec.loader.exec_module(copy)
            assert copy.create_connection is not create_connection
            with pytest.raises(PolicyViolation):
                copy.create_connection(listener.address, timeout=2)
        finally:
            del sys.modules["socket_copy"]
    assert listener.settled_count() == 0


def test_reloaded_socket_module_is_blocked(listener):
    with hermetic_blocker(block_network=True):
        reloaded = importlib.reload(socket)
        with pytest.raises(PolicyViolation):
            reloaded.create_connection(listener.address, timeout=2)
    assert listener.settled_count() == 0


def test_allow_localhost_lets_loopback_through(listener):
    with hermetic_blocker(block_network=True, allow_localhost=True):
        create_connection(listener.address, timeout=2).close()
        with socket.create_connection(("localhost", listener.port), timeout=2):
            pass
    assert listener.settled_count() == 2


def test_allow_domains_without_localhost_denies_loopback_ip(listener):
    with hermetic_blocker(block_network=True, allow_domains=["api.test"]):
        with pytest.raises(PolicyViolation):
            create_connection(listener.address, timeout=2)
    assert listener.settled_count() == 0


def test_allow_domains_admits_addresses_resolved_from_an_allowed_name(listener):
    # 'localhost' resolves from /etc/hosts, so no DNS query leaves the machine. Allowed as a
    # domain (not via allow_localhost): the connect to the IP it resolved to is admitted,
    # while the same IP named directly before any resolution is not.
    with hermetic_blocker(block_network=True, allow_domains=["localhost"]):
        s = socket.socket()
        with pytest.raises(PolicyViolation):
            s.connect(("127.0.0.2", listener.port))
        s.close()
        create_connection(("localhost", listener.port), timeout=2).close()
    assert listener.settled_count() == 1


def test_bind_only_loopback_with_allow_localhost():
    with hermetic_blocker(block_network=True, allow_localhost=True):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.close()
        s = socket.socket()
        with pytest.raises(PolicyViolation, match="bind"):
            s.bind(("0.0.0.0", 0))
        s.close()


def test_socketpair_and_unix_sockets_stay_allowed():
    with hermetic_blocker(block_network=True):
        a, b = socket.socketpair()
        a.sendall(b"x")
        assert b.recv(1) == b"x"
        a.close()
        b.close()


def test_dns_of_names_is_blocked_without_resolving():
    with hermetic_blocker(block_network=True):
        for call in (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex):
            with pytest.raises(PolicyViolation, match=r"DNS\(api\.test(:443)?\)") as info:
                call("api.test", 443) if call is socket.getaddrinfo else call("api.test")
            assert info.value.target == "api.test"


def test_leaving_the_block_restores_networking(listener):
    with hermetic_blocker(block_network=True):
        pass
    create_connection(listener.address, timeout=2).close()
    assert socket.socket is not None and listener.settled_count() == 1


def test_destinations_outside_loopback_in_a_private_namespace(run_python):
    # Runs where no packet can leave (fresh network namespace, no interface up).
    result = run_python(
        """
        import socket
        from hermetic import hermetic_blocker, PolicyViolation
        denied = []
        with hermetic_blocker(block_network=True, allow_localhost=True, allow_domains=["api.test"]):
            for addr in [("192.0.2.1", 80), ("169.254.169.254", 80), ("fd00:ec2::254", 80),
                         ("100.100.100.200", 80), ("::ffff:169.254.169.254", 80)]:
                fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
                s = socket.socket(fam)
                try:
                    s.connect(addr)
                except PolicyViolation as e:
                    denied.append(e.target)
                finally:
                    s.close()
            for name in ["metadata.google.internal", "evil.example"]:
                try:
                    socket.getaddrinfo(name, 80)
                except PolicyViolation as e:
                    denied.append(e.target)
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.sendto(b"x", ("192.0.2.1", 53))
            except PolicyViolation as e:
                denied.append("sendto " + e.target)
            u.close()
        print(denied)
        """,
        netns=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            "192.0.2.1",
            "169.254.169.254",
            "fd00:ec2::254",
            "100.100.100.200",
            "169.254.169.254",
            "metadata.google.internal",
            "evil.example",
            "sendto 192.0.2.1",
        ]
    )


def test_allowed_domains_match_the_name_and_its_subdomains(run_python):
    # In a private namespace: the policy decides before any resolution; an allowed name then
    # fails to resolve (no network) with an ordinary OSError, a denied one with the violation.
    # create_connection resolves through socket.getaddrinfo, which raises an audit event.
    # (A bare sock.connect((name, port)) resolves inside C before its audit event: see the
    # known gaps in docs/inprocess.md.)
    result = run_python(
        """
        import socket
        from hermetic import hermetic_blocker, PolicyViolation
        with hermetic_blocker(block_network=True, allow_domains=["api.test"]):
            for host in ["api.test", "sub.api.test", "API.Test.", "notapi.test", "api.test.evil"]:
                try:
                    socket.create_connection((host, 443), timeout=2)
                except PolicyViolation:
                    print(host, "policy")
                except OSError:
                    print(host, "oserror")
        """,
        netns=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:5] == [
        "api.test oserror",
        "sub.api.test oserror",
        "API.Test. oserror",
        "notapi.test policy",
        "api.test.evil policy",
    ]
