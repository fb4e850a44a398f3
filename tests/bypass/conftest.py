"""Fixtures for the escape attempts: every attempt runs twice, bare and under hermetic.

Bare, its side effect must happen (the attempt is real); under hermetic it must not. Both runs
must show that the attempt actually started (a file the attempt creates before trying), so a
target that never ran cannot pass as "blocked".
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def kernel_layer_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every escape attempt meets the kernel layer alone: it is the security boundary, and an
    attempt stopped by the in-process layer first would prove nothing about it. (The in-process
    layer has its own tests in tests/python and tests/cli.)"""
    monkeypatch.setenv("HERMETIC_INPROCESS", "0")


# Python attempts start with this: it creates the "started" file, then the attempt follows.
_PYTHON_PRELUDE = (
    "import os as _os\n"
    "open(_os.environ['HERMETIC_TEST_STARTED'], 'w').close()\n"
    "del _os\n"
)


@dataclass(frozen=True)
class Sandbox:
    """How an attempt runs: `flags` is None for a bare run, else hermetic's flags."""

    name: str
    flags: tuple[str, ...] | None

    @property
    def sandboxed(self) -> bool:
        return self.flags is not None


@pytest.fixture
def new_sandbox() -> Callable[[str, tuple[str, ...] | None], Sandbox]:
    """Sandbox itself, for test files that make their own sets of runs (conftest is not a module
    test files import)."""
    return Sandbox


@dataclass
class Attempt:
    proc: subprocess.CompletedProcess
    started: bool

    def describe(self) -> str:
        return (
            f"argv={self.proc.args!r} rc={self.proc.returncode}\n"
            f"stdout={self.proc.stdout[-2000:]!r}\nstderr={self.proc.stderr[-2000:]!r}"
        )


RunAttempt = Callable[..., Attempt]


@pytest.fixture
def run_attempt(hermetic_bin: str, tmp_path: Path, clean_env, default_timeout) -> RunAttempt:
    """run_attempt(argv, sandbox, timeout=None) -> Attempt: runs argv bare or under hermetic with
    $HERMETIC_TEST_STARTED naming a fresh file, in tmp_path. Fails the test when hermetic itself
    reported an error (then the target never ran and nothing was tested)."""
    counter = itertools.count()

    def run(argv: Sequence[str | os.PathLike[str]], sandbox: Sandbox,
            timeout: float | None = None) -> Attempt:
        started = tmp_path / f"started-{next(counter)}"
        cmd = [os.fspath(a) for a in argv]
        if sandbox.flags is not None:
            cmd = [hermetic_bin, *sandbox.flags, "--", *cmd]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout or default_timeout,
            stdin=subprocess.DEVNULL, cwd=tmp_path,
            env=clean_env({"HERMETIC_TEST_STARTED": str(started)}),
        )
        attempt = Attempt(proc, started.exists())
        assert "hermetic: error:" not in proc.stderr, attempt.describe()
        assert attempt.started, "the attempt never started:\n" + attempt.describe()
        return attempt

    return run


def python_argv(code: str, *args: object, setup: str = "") -> list[str]:
    """argv running `setup` then `code` (dedented) in this interpreter, after the prelude that
    creates the started file; `args` become sys.argv[1:]."""
    program = _PYTHON_PRELUDE + textwrap.dedent(setup) + textwrap.dedent(code)
    return [sys.executable, "-c", program, *map(str, args)]


@pytest.fixture
def python_attempt() -> Callable[..., list[str]]:
    return python_argv


NO_NETWORK = ("--no-network",)
NO_SUBPROCESS = ("--no-subprocess",)


def sandboxes(flags: tuple[str, ...]) -> list:
    """The two runs of every attempt, as pytest params."""
    return [
        pytest.param(Sandbox("bare", None), id="bare"),
        pytest.param(Sandbox("hermetic", flags), id="hermetic"),
    ]


@pytest.fixture(params=sandboxes(NO_NETWORK))
def net_sandbox(request: pytest.FixtureRequest) -> Sandbox:
    """Bare, then under `hermetic --no-network`."""
    return request.param


@pytest.fixture(params=sandboxes(NO_SUBPROCESS))
def proc_sandbox(request: pytest.FixtureRequest) -> Sandbox:
    """Bare, then under `hermetic --no-subprocess`."""
    return request.param


@pytest.fixture
def expect_contact(listener) -> Callable[[Sandbox, Attempt], None]:
    """expect_contact(sandbox, attempt): bare, the listener must have been reached; under
    hermetic, nothing may have reached it (checked after the listener's own sentinels)."""

    def check(sandbox: Sandbox, attempt: Attempt) -> None:
        if sandbox.sandboxed:
            contacts = listener.settle()
            assert contacts.total == 0, f"reached the listener: {contacts}\n{attempt.describe()}"
        else:
            contacts = listener.wait_for_contact()
            assert contacts.total > 0, (
                "the attempt did not reach the listener even without hermetic, so it proves "
                f"nothing:\n{attempt.describe()}"
            )

    return check


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A path that only the attempted child program creates."""
    return tmp_path / "marker"


@pytest.fixture
def expect_marker(marker: Path) -> Callable[[Sandbox, Attempt], None]:
    """expect_marker(sandbox, attempt): bare, the marker must exist; under hermetic, not."""

    def check(sandbox: Sandbox, attempt: Attempt) -> None:
        if sandbox.sandboxed:
            assert not marker.exists(), "the child program ran:\n" + attempt.describe()
        else:
            assert marker.exists(), (
                "the attempt did not create the marker even without hermetic, so it proves "
                f"nothing:\n{attempt.describe()}"
            )

    return check
