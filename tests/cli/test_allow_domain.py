"""--no-network --allow-domain NAME --resolve NAME:ADDR: the pinned address is reachable by name
(Python urllib, curl), nothing else is, and cloud metadata is refused whatever a name says."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile

import pytest

pytest.register_assert_rewrite("netns")  # before the import: netns is also a plugin
from netns import (  # noqa: E402
    CounterServer,
    Namespace,
    in_namespace,
    kernel_only_env,
    probe_argv,
    run_hermetic,
)

# The fixtures (hermetic_bin, loopback, remote, namespace, c_helper) come from netns as a
# plugin: registered once, so the session-wide namespace and servers exist once.
pytest_plugins = ["netns"]


def flags(remote: CounterServer, *extra: str) -> list[str]:
    return [
        "--no-network",
        "--allow-domain",
        "api.test",
        "--resolve",
        f"api.test:{remote.host}",
        *extra,
    ]


def test_python_urllib_reaches_the_allowed_name(hermetic_bin: str, remote: CounterServer) -> None:
    result = run_hermetic(hermetic_bin, flags(remote), probe_argv("http", "api.test", remote.port))
    assert result.stdout.strip() == "ok", result.stdout + result.stderr
    assert remote.events() == ["tcp"]


def test_curl_reaches_the_allowed_name(hermetic_bin: str, remote: CounterServer) -> None:
    result = run_hermetic(
        hermetic_bin,
        flags(remote),
        ["curl", "-sS", "--max-time", "10", f"http://api.test:{remote.port}/"],
    )
    assert result.stdout == "ok", result.stderr
    assert remote.events() == ["tcp"]


def test_subdomain_and_case_insensitive(hermetic_bin: str, remote: CounterServer) -> None:
    # Both names pinned: hermetic resolves every allowed name at start, and an unpinned one would
    # be a real DNS query (tests never resolve real names).
    result = run_hermetic(
        hermetic_bin,
        ["--no-network", "--allow-domain", "API.Test", "--resolve", f"api.test:{remote.host}",
         "--resolve", f"v1.api.test:{remote.host}"],
        probe_argv("http", "V1.Api.Test", remote.port),
    )
    assert result.stdout.strip() == "ok", result.stdout + result.stderr
    assert remote.events() == ["tcp"]


def test_another_address_is_refused(
    hermetic_bin: str, namespace: Namespace, remote: CounterServer
) -> None:
    control = subprocess.run(
        probe_argv("connect", namespace.other_ip, remote.port),
        capture_output=True,
        env=kernel_only_env(),
        text=True,
        timeout=60,
    )
    assert control.stdout.strip() == "ok"
    assert remote.events() == ["tcp"]
    for mode in ("connect", "udp_sendto", "tcp_fastopen"):
        result = run_hermetic(
            hermetic_bin, flags(remote), probe_argv(mode, namespace.other_ip, remote.port)
        )
        assert result.stdout.strip() == "errno 13", mode + result.stdout + result.stderr
    assert remote.events() == []


def test_a_pinned_name_that_is_not_allowed_is_refused(
    hermetic_bin: str, namespace: Namespace, remote: CounterServer
) -> None:
    result = run_hermetic(
        hermetic_bin,
        flags(remote, "--resolve", f"other.test:{namespace.other_ip}"),
        probe_argv("connect", "other.test", remote.port),
    )
    assert result.stdout.strip() == "errno 13", result.stdout + result.stderr
    assert remote.events() == []


def test_loopback_needs_allow_localhost(hermetic_bin: str, remote: CounterServer) -> None:
    result = run_hermetic(hermetic_bin, flags(remote), probe_argv("connect", "127.0.0.1", 9))
    assert result.stdout.strip() == "errno 13"


def test_metadata_is_refused_even_through_an_allowed_name(
    hermetic_bin: str, namespace: Namespace
) -> None:
    # Inside the namespace (no route beyond its /29): had the supervisor let the connect
    # through, it would fail with ENETUNREACH (101), not EACCES, and no packet could leave.
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"):
        result = subprocess.run(
            in_namespace(
                namespace,
                [
                    hermetic_bin,
                    "--no-network",
                    "--allow-localhost",
                    "--allow-domain",
                    "meta.test",
                    "--resolve",
                    f"meta.test:{address}",
                    "--trace",
                    "--",
                    *probe_argv("connect", "meta.test", 80),
                ],
            ),
            capture_output=True,
            env=kernel_only_env(),
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == "errno 13", address + result.stdout + result.stderr
        blocked = [line for line in result.stderr.splitlines() if "blocked action" in line]
        assert blocked == [
            f"[hermetic] blocked action: network disabled: connect({shown(address)}:80) "
            "(cloud metadata endpoint)"
        ]


def shown(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def test_curl_to_metadata_name_is_refused(hermetic_bin: str, namespace: Namespace) -> None:
    result = subprocess.run(
        in_namespace(
            namespace,
            [
                hermetic_bin,
                "--no-network",
                "--allow-domain",
                "meta.test",
                "--resolve",
                "meta.test:169.254.169.254",
                "--trace",
                "--",
                "curl",
                "-sS",
                "--max-time",
                "10",
                "http://meta.test/latest/meta-data/",
            ],
        ),
        capture_output=True,
        env=kernel_only_env(),
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert (
        "[hermetic] blocked action: network disabled: connect(169.254.169.254:80) "
        "(cloud metadata endpoint)" in result.stderr
    )


def test_other_names_do_not_resolve_and_dns_stays_inside(
    hermetic_bin: str, namespace: Namespace, remote: CounterServer
) -> None:
    code = (
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('nothere.test', 80); print('resolved')\n"
        "except socket.gaierror:\n"
        "    print('unresolved')\n"
    )
    result = subprocess.run(
        in_namespace(
            namespace, [hermetic_bin, *flags(remote, "--trace"), "--", "python3", "-c", code]
        ),
        capture_output=True,
        env=kernel_only_env(),
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "unresolved", result.stderr
    blocked = [line for line in result.stderr.splitlines() if "blocked action" in line]
    assert blocked, result.stderr
    assert all(line.endswith(":53) (DNS query)") for line in blocked), blocked


def test_unprivileged_user(hermetic_bin: str, loopback: CounterServer) -> None:
    # Everything above also works without privileges: the supervisor needs none, and the hosts
    # file comes with a user namespace of the target's own.
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run hermetic as another (unprivileged) user")
    shared = tempfile.mkdtemp(prefix="hermetic-unpriv-")
    try:
        os.chmod(shared, 0o755)
        binary = os.path.join(shared, "hermetic")
        shutil.copy(hermetic_bin, binary)
        os.chmod(binary, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", binary]
        for flags, host in (
            (["--no-network", "--allow-localhost"], "127.0.0.1"),
            (
                ["--no-network", "--allow-domain", "api.test", "--resolve", "api.test:127.0.0.1"],
                "api.test",
            ),
        ):
            result = subprocess.run(
                [
                    *nobody,
                    *flags,
                    "--",
                    "curl",
                    "-sS",
                    "--max-time",
                    "10",
                    f"http://{host}:{loopback.port}/",
                ],
                capture_output=True,
                env=kernel_only_env(),
                text=True,
                timeout=60,
                cwd=shared,
            )
            assert result.stdout == "ok", result.stderr
        assert loopback.events() == ["tcp", "tcp"]
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_an_allowed_name_is_resolved_by_the_system_resolver(
    hermetic_bin: str, loopback: CounterServer
) -> None:
    # Without --resolve, hermetic asks getaddrinfo before the run (the statically linked
    # executable through glibc's built-in sources) and pins what it answers. `localhost` comes
    # from /etc/hosts: no DNS query leaves the machine.
    with open("/etc/hosts") as hosts:
        if not any("localhost" in line.split()[1:] for line in hosts if not line.startswith("#")):
            pytest.skip("/etc/hosts does not name localhost")
    result = run_hermetic(
        hermetic_bin,
        ["--no-network", "--allow-domain", "localhost"],
        probe_argv("connect", "localhost", loopback.port),
    )
    assert result.stdout.strip() == "ok", result.stdout + result.stderr
    assert loopback.events() == ["tcp"]


def unshared(argv: list[str]) -> list[str]:
    """argv in a network namespace of its own (unshare -rn): no interface up, not even lo, and
    no route, so nothing it sends can leave. A connect the kernel lets through fails there with
    ENETUNREACH (101), or for IPv6 EADDRNOTAVAIL (99: no source address)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("the test needs unshare(1)")
    return [unshare, "-rn", *argv]


# The metadata addresses the kernel layer once let through (the in-process layer refused them
# already): one classification for both layers now (address_class). UDP for the IPv4 ones (the
# probe's lookup of an IPv6 name fails first in a namespace without addresses).
MORE_METADATA = [
    ("connect", "169.254.170.2"),
    ("connect", "169.254.170.23"),
    ("connect", "fd00:ec2::23"),
    ("connect", "64:ff9b::a9fe:aa02"),
    ("udp_sendto", "169.254.170.2"),
    ("udp_sendto", "169.254.170.23"),
]


@pytest.mark.parametrize(("mode", "address"), MORE_METADATA)
def test_every_metadata_address_is_refused_by_the_kernel_layer(
    hermetic_bin: str, mode: str, address: str
) -> None:
    control = subprocess.run(
        unshared(probe_argv(mode, address, 80)), capture_output=True, text=True, timeout=60
    )
    assert control.stdout.strip() in ("errno 101", "errno 99"), control.stdout + control.stderr
    result = subprocess.run(
        unshared(
            [hermetic_bin, "--no-network", "--allow-domain", "meta.test", "--resolve",
             f"meta.test:{address}", "--trace", "--", *probe_argv(mode, "meta.test", 80)]
        ),
        capture_output=True,
        env=kernel_only_env(),
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "errno 13", result.stdout + result.stderr
    assert "(cloud metadata endpoint)" in result.stderr, result.stderr
