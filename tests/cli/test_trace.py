"""--trace: exactly one stderr line per blocked action, for Python and for any other program,
both for plain --no-network (socket refused) and for refused addresses."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("netns")  # before the import: netns is also a plugin
from netns import CounterServer, run_hermetic  # noqa: E402

# The fixtures (hermetic_bin, loopback, remote, namespace, c_helper) come from netns as a
# plugin: registered once, so the session-wide namespace and servers exist once.
pytest_plugins = ["netns"]

PREFIX = "[hermetic] blocked action: "  # a trace line; the run goes on


def blocked(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(PREFIX)]


def test_python_socket_attempts_under_plain_no_network(
    hermetic_bin: str, loopback: CounterServer
) -> None:
    code = (
        "import socket, sys\n"
        "for fam in (socket.AF_INET, socket.AF_INET6, socket.AF_INET):\n"
        "    try:\n"
        "        socket.socket(fam).connect(('127.0.0.1', int(sys.argv[1])))\n"
        "    except OSError as e:\n"
        "        print(e.errno)\n"
        "socket.socketpair()\n"  # AF_UNIX: allowed, not logged
    )
    result = run_hermetic(
        hermetic_bin, ["--no-network", "--trace"], ["python3", "-c", code, str(loopback.port)]
    )
    assert result.stdout.split() == ["13", "13", "13"], result.stderr
    assert blocked(result.stderr) == [
        PREFIX + "network disabled: socket(AF_INET)",
        PREFIX + "network disabled: socket(AF_INET6)",
        PREFIX + "network disabled: socket(AF_INET)",
    ]
    assert loopback.events() == []


def test_bash_under_plain_no_network(hermetic_bin: str, loopback: CounterServer) -> None:
    result = run_hermetic(
        hermetic_bin,
        ["--no-network", "--trace"],
        ["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{loopback.port}"],
    )
    assert result.returncode != 0
    assert blocked(result.stderr) == [PREFIX + "network disabled: socket(AF_INET)"]
    assert loopback.events() == []


def test_python_refused_addresses_with_allow_localhost(
    hermetic_bin: str, loopback: CounterServer, remote: CounterServer
) -> None:
    code = (
        "import socket, sys\n"
        "local, far, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])\n"
        "socket.create_connection(('127.0.0.1', local), timeout=10).close()\n"
        "for _ in range(2):\n"
        "    print(socket.socket().connect_ex((far, port)))\n"
        "try:\n"
        "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', (far, port))\n"
        "except OSError as e:\n"
        "    print(e.errno)\n"
    )
    result = run_hermetic(
        hermetic_bin,
        ["--no-network", "--allow-localhost", "--trace"],
        ["python3", "-c", code, str(loopback.port), remote.host, str(remote.port)],
    )
    assert result.stdout.split() == ["13", "13", "13"], result.stderr
    far = f"{remote.host}:{remote.port}"
    assert blocked(result.stderr) == [
        PREFIX + f"network disabled: connect({far})",
        PREFIX + f"network disabled: connect({far})",
        PREFIX + f"network disabled: sendto({far})",
    ]
    assert loopback.events() == ["tcp"]
    assert remote.events() == []


def test_curl_and_bash_refused_address(hermetic_bin: str, remote: CounterServer) -> None:
    far = f"{remote.host}:{remote.port}"
    flags = ["--no-network", "--allow-localhost", "--trace"]
    curl = run_hermetic(hermetic_bin, flags, ["curl", "-sS", "--max-time", "10", f"http://{far}/"])
    assert curl.returncode != 0
    assert blocked(curl.stderr) == [PREFIX + f"network disabled: connect({far})"]
    bash = run_hermetic(
        hermetic_bin, flags, ["bash", "-c", f"exec 3<>/dev/tcp/{remote.host}/{remote.port}"]
    )
    assert bash.returncode != 0
    assert blocked(bash.stderr) == [PREFIX + f"network disabled: connect({far})"]
    assert remote.events() == []


def test_raw_syscalls_each_log_once(hermetic_bin: str, remote: CounterServer, c_helper) -> None:
    raw = c_helper("raw")
    far = f"{remote.host}:{remote.port}"
    for mode, call in (
        ("connect", "connect"),
        ("fastopen", "sendto"),
        ("sendto", "sendto"),
        ("sendmsg", "sendmsg"),
        ("sendmmsg", "sendmmsg"),
    ):
        result = run_hermetic(
            hermetic_bin,
            ["--no-network", "--allow-localhost", "--trace"],
            [raw, mode, remote.host, str(remote.port)],
        )
        assert result.stdout.strip() == "errno 13", mode
        assert blocked(result.stderr) == [PREFIX + f"network disabled: {call}({far})"], mode
    assert remote.events() == []


def test_without_trace_a_program_hears_of_its_first_refusal_only(
    hermetic_bin: str, remote: CounterServer
) -> None:
    """A program that is not Python gets one line, naming the destination and how to allow
    it, for the first refused connect of the run; the rest are --trace's to show."""
    far = f"{remote.host}:{remote.port}"
    result = run_hermetic(
        hermetic_bin,
        ["--no-network", "--allow-localhost"],
        ["bash", "-c", f"exec 3<>/dev/tcp/{remote.host}/{remote.port}; "
                       f"exec 3<>/dev/tcp/{remote.host}/{remote.port}"],
    )
    assert result.returncode != 0
    lines = blocked(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(PREFIX + f"network disabled: connect({far}); --allow-domain")
    assert remote.events() == []


def test_without_trace_a_refused_socket_names_the_program_once(hermetic_bin: str) -> None:
    result = run_hermetic(
        hermetic_bin,
        ["--no-network"],
        ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9; exec 3<>/dev/tcp/127.0.0.1/9"],
        inprocess=True,  # the line comes from the library the in-process layer loads with
    )
    assert result.returncode != 0
    lines = blocked(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(PREFIX + "network disabled: socket(AF_INET) by bash (pid ")
    assert "--allow-localhost" in lines[0]
