"""Fixtures of the pytest plugin's tests: an inner pytest run in this process (pytester), with
the listener's port and a marker directory known to the inner tests.

Inner test files get `LISTENER_PORT` (the outer listener's TCP port, on 127.0.0.1) and
`MARKS_DIR` (a directory outside every test's tmp_path, for side effects the outer test judges)
written in.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from plugin_helpers import QUIET

Inner = Callable[..., pytest.RunResult]


@pytest.fixture
def marks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory the inner tests write side effects to (outside their tmp_path)."""
    return tmp_path_factory.mktemp("marks")


@pytest.fixture
def inner(pytester: pytest.Pytester, listener, marks: Path) -> Inner:
    """inner(source, *args, files=None): write test_inner.py (and `files`: name -> text), run
    pytest on them in this process and return the result."""

    def run(source: str, *args: str, files: dict[str, str] | None = None) -> pytest.RunResult:
        def fill(text: str) -> str:
            return textwrap.dedent(text).replace("LISTENER_PORT", str(listener.port)).replace(
                "MARKS_DIR", repr(str(marks)))

        pytester.makepyfile(test_inner=fill(source))
        for name, text in (files or {}).items():
            (pytester.path / name).write_text(fill(text))
        return pytester.runpytest_inprocess(*QUIET, *args)

    return run


@pytest.fixture
def other_listener(listener):
    """A second loopback listener, of `listener`'s kind: the destination a policy refuses."""
    lst = type(listener)()
    try:
        yield lst
    finally:
        lst.close()
