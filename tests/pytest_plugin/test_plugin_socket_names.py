"""pytest-socket's names served by hermetic: its scenarios (tests/ of pytest-socket 0.8.1:
option, markers, fixtures, allow-hosts by address and by name, unix sockets, precedence, async
tests, doctests) give the outcomes pytest-socket gives.

Judged by side effect: the outer listener's count on 127.0.0.1. Names used: `localhost` only.
"""

from __future__ import annotations

import pytest
from plugin_helpers import QUIET

HEAD = """
import os, socket
import pytest

def connect(host="127.0.0.1"):
    socket.create_connection((host, LISTENER_PORT), timeout=30).close()
"""


def test_disabled_by_option_enabled_by_marker_and_fixture(inner, listener) -> None:
    result = inner(HEAD + """
def test_blocked():
    connect()

def test_blocked_socket_creation():
    with pytest.raises(RuntimeError):  # pytest-socket raises SocketBlockedError(RuntimeError)
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)

@pytest.mark.enable_socket
def test_marker():
    connect()

def test_fixture(socket_enabled):
    connect()

@pytest.mark.enable_socket
class TestClass:
    def test_in_class(self):
        connect()
""", "--disable-socket")
    result.assert_outcomes(passed=4, failed=1)
    assert listener.settle().tcp == 3
    result.stdout.fnmatch_lines(["refused by block_network from --disable-socket"])


def test_disabled_by_marker_and_fixture(inner, listener, pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\naddopts = --allow-unix-socket\n")  # pytest-socket's ini route
    result = inner(HEAD + """
@pytest.mark.disable_socket
def test_marker():
    connect()

def test_fixture(socket_disabled):
    connect()

def test_default():
    connect()
""")
    result.assert_outcomes(passed=1, failed=2)
    assert listener.settle().tcp == 1


def test_precedence(inner, listener) -> None:
    result = inner(HEAD + """
@pytest.mark.enable_socket
def test_enable_marker_over_disable_fixture(socket_disabled):
    connect()

@pytest.mark.disable_socket
def test_enable_fixture_over_disable_marker(socket_enabled):
    connect()

@pytest.mark.allow_hosts(["127.0.0.2"])
def test_allow_hosts_marker_over_option():
    connect()

@pytest.mark.disable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_disable_over_allow_hosts():
    connect()

@pytest.mark.hermetic(block_network=False)
def test_hermetic_marker_over_socket_names():
    connect()
""", "--disable-socket", "--allow-hosts=127.0.0.1")
    result.assert_outcomes(passed=3, failed=2)
    assert listener.settle().tcp == 3
    result.stdout.fnmatch_lines(["*test_allow_hosts_marker_over_option*",
                                 "*test_disable_over_allow_hosts*"])


def test_force_enable(inner, listener) -> None:
    result = inner(HEAD + """
@pytest.mark.disable_socket
def test_marker():
    connect()
""", "--disable-socket", "--force-enable-socket")
    result.assert_outcomes(passed=1)
    assert listener.settle().tcp == 1


def test_allow_hosts_by_address_and_by_name(inner, listener) -> None:
    result = inner(HEAD + """
def test_address_allowed():
    connect("127.0.0.1")

def test_name_not_allowed():
    connect("localhost")

@pytest.mark.allow_hosts(["localhost"])
def test_name_allowed():
    connect("localhost")

@pytest.mark.allow_hosts(["localhost"])
def test_address_of_an_allowed_name():
    connect("127.0.0.1")

@pytest.mark.allow_hosts("127.0.0.2,127.0.0.3")
def test_other_addresses_only():
    connect("127.0.0.1")

def test_socket_creation_stays_allowed():
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
""", "--allow-hosts=127.0.0.1")
    result.assert_outcomes(passed=4, failed=2)
    assert listener.settle().tcp == 3
    result.stdout.fnmatch_lines(["FAILED*test_name_not_allowed*",
                                 "FAILED*test_other_addresses_only*"])


def test_unix_sockets_async_and_doctests(inner, listener, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helper='''
def probe():
    """
    >>> import socket
    >>> socket.create_connection(("127.0.0.1", LISTENER_PORT), timeout=30).close()
    """
'''.replace("LISTENER_PORT", str(listener.port)))
    result = inner(HEAD + """
import asyncio

def test_unix_socket(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path: sun_path holds 108 bytes
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("s")
    server.listen()
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect("s")
    client.close()
    server.close()

@pytest.mark.asyncio
async def test_async_blocked():
    await asyncio.open_connection("127.0.0.1", LISTENER_PORT)

@pytest.mark.asyncio
@pytest.mark.enable_socket
async def test_async_enabled():
    _, writer = await asyncio.open_connection("127.0.0.1", LISTENER_PORT)
    writer.close()
""", "--disable-socket", "--allow-unix-socket", "--doctest-modules")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["FAILED helper.py::helper.probe*", "FAILED*test_async_blocked*"])
    assert listener.settle().tcp == 1


def test_names_left_to_pytest_socket_when_installed(pytester: pytest.Pytester) -> None:
    # A module named pytest_socket on the path stands for an installed pytest-socket (not
    # loaded as a plugin here, so its options are nobody's).
    pytester.makepyfile(pytest_socket="", test_inner="def test_x(): pass")
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess(*QUIET,
                                          "--disable-socket")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unrecognized arguments: --disable-socket" in result.stderr.str()
    # Said in the header, not as a warning: a project's `-W error` must not fail the run.
    result = pytester.runpytest_inprocess(*QUIET, "-W", "error")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["hermetic: pytest-socket is installed, so --disable-socket*"])
