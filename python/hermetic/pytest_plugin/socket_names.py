"""pytest-socket's names, for projects that switch: the same options, markers and fixtures,
with the same precedence, enforced by hermetic.

Registered by the plugin only when pytest-socket itself is not installed (then these names are
left to it, and the plugin says so once). What each name does here:

- ``--disable-socket``, marker ``disable_socket``, fixture ``socket_disabled``:
  ``block_network``.
- ``--allow-hosts=H1,H2``, marker ``allow_hosts(["H1", ...])``: ``block_network`` with
  ``allow_domains`` = the hosts, and for a name also the addresses it resolves to (looked up
  once per run, as pytest-socket does). Networks (``10.0.0.0/8``) are refused.
- ``--allow-unix-socket``: accepted; hermetic never blocks AF_UNIX sockets.
- ``--force-enable-socket``, marker ``enable_socket``, fixture ``socket_enabled``: the network
  is not blocked (``block_network=False``), whatever the run's default says.

Precedence (pytest-socket's): enabled (fixture, marker or ``--force-enable-socket``) over
disabled (fixture or marker) over allow-hosts (marker over option) over ``--disable-socket``.
The result is one layer of the test's policy, above the run's ``--hermetic-*`` default and
below the ``hermetic`` markers.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

from hermetic.pytest_plugin.policy import Layer


def pytest_addoption(parser: pytest.Parser) -> None:
    """pytest-socket's options."""
    group = parser.getgroup("socket", "pytest-socket's names, served by hermetic")
    group.addoption("--disable-socket", action="store_true",
                    help="block the network for every test (hermetic: block_network)")
    group.addoption("--force-enable-socket", action="store_true",
                    help="never block the network (overrides --disable-socket and markers)")
    group.addoption("--allow-hosts", metavar="ALLOWED_HOSTS_CSV",
                    help="block the network but for these hosts (addresses or names)")
    group.addoption("--allow-unix-socket", action="store_true",
                    help="allow AF_UNIX sockets (hermetic always does)")


def pytest_configure(config: pytest.Config) -> None:
    """pytest-socket's markers."""
    config.addinivalue_line("markers", "disable_socket(): block the network for this test")
    config.addinivalue_line("markers", "enable_socket(): do not block the network for this test")
    config.addinivalue_line(
        "markers", "allow_hosts([hosts]): block the network but for these hosts")


@pytest.fixture
def socket_disabled() -> Iterator[None]:
    """Block the network for this test (pytest-socket's fixture)."""
    yield


@pytest.fixture
def socket_enabled() -> Iterator[None]:
    """Do not block the network for this test (pytest-socket's fixture)."""
    yield


_RESOLVED = pytest.StashKey[dict[str, list[str]]]()


def _addresses(config: pytest.Config, name: str) -> list[str]:
    """What pytest-socket allows for a host name: its addresses, looked up once per run (by the
    parent, before any test's policy)."""
    cache = config.stash.setdefault(_RESOLVED, {})
    if name not in cache:
        try:
            found = socket.getaddrinfo(name, None)
        except (OSError, UnicodeError):
            found = []
        cache[name] = sorted({str(info[4][0]) for info in found})
    return cache[name]


def _hosts(config: pytest.Config, value: object, source: str) -> list[str]:
    """allow_hosts' value (a list, or a comma-separated str) as allow_domains: each host, and
    for a name the addresses it has (pytest-socket allows a connect to either)."""
    hosts = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    out = []
    for host in (str(h).strip() for h in hosts):
        if not host:
            continue
        if "/" in host:
            raise pytest.UsageError(
                f"hermetic: {source}: networks ({host}) are not supported: list the hosts")
        out.append(host)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            out.extend(_addresses(config, host))
    return out


def asked(config: pytest.Config) -> bool:
    """Whether an option of pytest-socket's was given (then every test has a layer)."""
    return bool(config.getoption("disable_socket") or config.getoption("force_enable_socket")
                or config.getoption("allow_hosts"))


def layer(item: pytest.Item) -> Layer | None:
    """The layer pytest-socket's names give this test, or None when they say nothing."""
    config = item.config
    names = getattr(item, "fixturenames", ())
    if "socket_enabled" in names:
        return Layer("the socket_enabled fixture", {"block_network": False})
    if item.get_closest_marker("enable_socket"):
        return Layer("@pytest.mark.enable_socket", {"block_network": False})
    if config.getoption("force_enable_socket"):
        return Layer("--force-enable-socket", {"block_network": False})
    if "socket_disabled" in names:
        return Layer("the socket_disabled fixture", {"block_network": True})
    if item.get_closest_marker("disable_socket"):
        return Layer("@pytest.mark.disable_socket", {"block_network": True})
    mark = item.get_closest_marker("allow_hosts")
    option = config.getoption("allow_hosts")
    if mark is not None and (mark.args or mark.kwargs):
        value = mark.args[0] if mark.args else mark.kwargs.get("allowed", [])
        source = "@pytest.mark.allow_hosts"
    elif option:
        value, source = option, "--allow-hosts"
    else:
        value, source = None, ""
    if value is not None:
        return Layer(source,
                     {"block_network": True, "allow_domains": _hosts(config, value, source)})
    if config.getoption("disable_socket"):
        return Layer("--disable-socket", {"block_network": True})
    return None
