"""A debugger's reach, as native code would use it: the target writes a 4-byte flag in a process
the test started outside hermetic (same user), through ptrace (PTRACE_ATTACH, PTRACE_POKEDATA)
and through /proc/PID/mem. The victim reports its flag afterwards; bare the write lands, under
hermetic it must not. Any Landlock domain keeps ptrace inside it, and every run gets one: on
ABI 6 and later --no-network's scopes make it, below that (HERMETIC_LANDLOCK_ABI_MAX) a layer
that restricts nothing else; flags without a kernel part of their own get that layer too.

Tracing the target's OWN children (gdb, strace under the sandbox) must keep working: they are in
its domain."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

VICTIM = """
import ctypes, sys
flag = ctypes.create_string_buffer(b"wait", 4)
print(ctypes.addressof(flag), flush=True)
sys.stdin.readline()
print(flag.raw.decode(), flush=True)
"""


def yama_scope() -> int:
    """Yama's ptrace_scope (0 without Yama); root is not bound by scopes 1 and 2."""
    scope = Path("/proc/sys/kernel/yama/ptrace_scope")
    value = int(scope.read_text()) if scope.exists() else 0
    return 0 if os.geteuid() == 0 and value < 3 else value


@contextmanager
def victim() -> Iterator[tuple[subprocess.Popen, list[str]]]:
    """A Python process outside hermetic holding the flag; yields it and a one-item list that
    receives the flag it reports once the block ends."""
    report: list[str] = []
    with subprocess.Popen([sys.executable, "-c", VICTIM], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert select.select([proc.stdout], [], [], 60)[0], "the victim did not start"
            yield proc, report
            flag, _ = proc.communicate("report\n", timeout=60)
            report.append(flag.strip())
        finally:
            proc.kill()


# (flags, HERMETIC_LANDLOCK_ABI_MAX or None, in-process layer on): runs that have no Landlock
# layer of their own but must still be in a domain.
SANDBOXES = {
    "no-network": (("--no-network",), None, False),
    "no-network-abi5": (("--no-network",), "5", False),
    "no-network-abi2": (("--no-network",), "2", False),
    # Flags without a kernel part: the in-process layer must be on (they need it), and the
    # target is native, so it is not what refuses anything.
    "no-code-exec": (("--no-code-exec",), None, True),
    "block-native": (("--block-native",), None, True),
    "deny-import-abi5": (("--deny-import", "json"), "5", True),
}


def sandbox_params() -> list:
    params = [pytest.param(None, id="bare")]
    params += [pytest.param(name, id=name) for name in SANDBOXES]
    return params


@pytest.fixture(params=sandbox_params())
def foreign_sandbox(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                    new_sandbox):
    if request.param is None:
        return new_sandbox("bare", None)
    flags, abi, inprocess = SANDBOXES[request.param]
    if abi is not None:
        monkeypatch.setenv("HERMETIC_LANDLOCK_ABI_MAX", abi)
    if inprocess:
        monkeypatch.delenv("HERMETIC_INPROCESS", raising=False)
    return new_sandbox(request.param, flags)


@pytest.mark.parametrize("route", ["attach", "mem"])
def test_cannot_write_an_outside_process(route, foreign_sandbox, c_helpers, run_attempt):
    if yama_scope() != 0:
        pytest.skip("Yama forbids attaching to a sibling here: hermetic is not what stops it")
    with victim() as (proc, report):
        address = proc.stdout.readline().strip()
        attempt = run_attempt([c_helpers["ptrace_poke"], route, str(proc.pid), address],
                              foreign_sandbox)
    expected = "wait" if foreign_sandbox.sandboxed else "run!"
    assert report == [expected], attempt.describe()
    if foreign_sandbox.sandboxed:
        assert attempt.proc.returncode != 0, attempt.describe()


@pytest.mark.parametrize("name", ["no-network", "no-network-abi5", "no-network-abi2",
                                  "no-code-exec"])
def test_can_still_trace_its_own_child(name, monkeypatch, marker, c_helpers, run_attempt,
                                      new_sandbox):
    """The child creates the marker only when it finds the flag its parent poked."""
    if yama_scope() >= 2:
        pytest.skip("Yama forbids every attach here, to children too")
    flags, abi, inprocess = SANDBOXES[name]
    if abi is not None:
        monkeypatch.setenv("HERMETIC_LANDLOCK_ABI_MAX", abi)
    if inprocess:
        monkeypatch.delenv("HERMETIC_INPROCESS", raising=False)
    attempt = run_attempt([c_helpers["ptrace_poke"], "own-child", marker], new_sandbox(name, flags))
    assert attempt.proc.returncode == 0, attempt.describe()
    assert marker.exists(), attempt.describe()
