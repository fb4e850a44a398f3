"""Helpers of the pytest plugin's tests (a module of its own: conftest.py is not importable)."""

from __future__ import annotations

import textwrap

# pytest-asyncio (a test extra) asks every run without this setting to choose.
QUIET = ("-o", "asyncio_default_fixture_loop_scope=function")


def line_of(source: str, snippet: str) -> int:
    """The line number of the first line of `source` (as inner() writes it) with `snippet`."""
    lines = textwrap.dedent(source).lstrip("\n").split("\n")  # as pytester writes it
    return next(n for n, line in enumerate(lines, 1) if snippet in line)
