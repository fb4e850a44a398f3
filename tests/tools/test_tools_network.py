"""Tools that talk HTTP to the loopback server: pip from a PEP 503 index, httpie, requests,
curl, asyncio streams. Under the flag sets that keep loopback reachable each must do what it
does bare; under those that do not, it must fail as it fails bare when the server is down (a
closed port), while the server sees nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tiny_wheel import NAME
from tool_compare import Place, Tool, check_bare, difference, matrix, same_as_bare, setup_venv

PYTHON = sys.executable
BIN = Path(sys.executable).parent  # http: a console script of the test venv
SITE_INIT = f"venv/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages/{NAME}"


def setup_httpie(place: Place) -> None:
    # httpie's update check would otherwise start a daemon that fetches its release list from
    # the internet: no test contacts anything but loopback.
    config = place.home / ".config" / "httpie"
    config.mkdir(parents=True)
    (config / "config.json").write_text(json.dumps({"disable_update_warnings": True}))


# Both scripts handle a failed connection as tools do: report it, return 1 from main.
REQUESTS = """\
import sys
import requests

def main():
    try:
        response = requests.get(sys.argv[1] + "/hello.txt", timeout=10)
    except requests.ConnectionError as error:
        print("cannot connect:", error, file=sys.stderr)
        return 1
    open("out.txt", "wb").write(response.content)
    return 0

sys.exit(main())
"""

ASYNCIO = """\
import asyncio, sys
from urllib.parse import urlsplit

async def fetch(url):
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"GET /hello.txt HTTP/1.0\\r\\n\\r\\n")
    response = await reader.read()
    writer.close()
    return response.split(b"\\r\\n\\r\\n", 1)[1]

def main():
    try:
        body = asyncio.run(fetch(sys.argv[1]))
    except OSError as error:
        print("cannot connect:", error, file=sys.stderr)
        return 1
    open("out.txt", "wb").write(body)
    return 0

sys.exit(main())
"""

TOOLS = [
    Tool("pip-index",
         lambda p: [str(p.work / "venv/bin/pip"), "install", "--disable-pip-version-check",
                    "--retries", "0", "--timeout", "10", "--index-url", f"{p.url}/simple/",
                    NAME],
         setup=setup_venv, network=True, creates=(f"{SITE_INIT}/__init__.py",)),
    Tool("httpie", lambda p: [str(BIN / "http"), "--ignore-stdin", "--timeout", "10",
                              "--output", "out.txt", f"{p.url}/hello.txt"],
         setup=setup_httpie, network=True, creates=("out.txt",)),
    Tool("requests", lambda p: [PYTHON, "-c", REQUESTS, p.url], network=True,
         creates=("out.txt",)),
    Tool("curl", lambda p: ["curl", "-sS", "--max-time", "10", "-o", "out.txt",
                            f"{p.url}/hello.txt"], network=True, creates=("out.txt",)),
    Tool("asyncio-streams", lambda p: [PYTHON, "-c", ASYNCIO, p.url], network=True,
         creates=("out.txt",)),
]

_ALLOWING = ["allow-localhost", "allow-localhost+fs-readonly", "no-environment", "block-native",
             "block-all+allow-localhost"]
# Refused by design: pip under --profile block-all (its vendored six runs exec() on a string
# when imported: --no-code-exec); httpie under --block-native (it imports charset_normalizer,
# whose wheel is compiled with mypyc: third-party native code; requests can do without it); pip
# under --block-native (it starts programs, its vendored distro runs `uname -rs`, and no
# dynamically linked child can start under the inherited no-executable-memory rule).
_CANNOT = {("pip-index", "block-all"), ("httpie", "block-all"), ("httpie", "block-native"),
           ("pip-index", "block-native")}
RUNS = {tool.name: [f for f in _ALLOWING if (tool.name, f.split("+")[0]) not in _CANNOT]
        for tool in TOOLS}
REFUSING = {tool.name: [f for f in ("no-network", "block-all") if (tool.name, f) not in _CANNOT]
            for tool in TOOLS}

# Failures of today's build, each with what fixes it; remove the entry with the fix (the marks
# are strict: a test that starts passing fails until then).
KNOWN: dict[tuple[str, str], str] = {}
KNOWN_REFUSED: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize(("tool", "flag_set"), matrix(TOOLS, RUNS, KNOWN))
def test_same_status_and_effect_as_bare(tool: Tool, flag_set: str, compare,
                                        loopback_server) -> None:
    bare = compare.bare(tool, loopback_server.url)
    before = loopback_server.connections()
    ours = compare.under(tool, flag_set, loopback_server.url)
    same_as_bare(tool, bare, ours)
    assert loopback_server.connections() > before, "the tool never reached the server"


@pytest.mark.parametrize(("tool", "flag_set"), matrix(TOOLS, REFUSING, KNOWN_REFUSED))
def test_refused_like_a_closed_port(tool: Tool, flag_set: str, compare, loopback_server,
                                    closed_url: str) -> None:
    """Refused, the tool meets what it meets when nothing listens: the same exit status and
    effect on disk as bare against a closed port, and the live server is never contacted."""
    down = compare.bare(tool, closed_url)
    assert down.status != 0, f"{tool} bare against a closed port: {down}"
    check_bare(tool, compare.bare(tool, loopback_server.url))  # the request is real
    before = loopback_server.connections()
    ours = compare.under(tool, flag_set, loopback_server.url)
    assert loopback_server.connections() == before, f"{tool} reached the server: {ours}"
    diff = difference(down, ours)
    assert not diff, f"{tool} refused differs from bare against a closed port:\n{diff}"
