"""Name a refusal in the failure of the test it failed: the test's own line that made the call,
and the marker, option or fixture whose field refused it."""

from __future__ import annotations

import inspect
import os
from types import CodeType, TracebackType
from typing import Any

import pytest

from hermetic.errors import PolicyViolation
from hermetic.pytest_plugin.policy import TestPolicy


def _violation(exc: BaseException | None) -> PolicyViolation | None:
    """The PolicyViolation the exception is, or was raised from or while handling."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, PolicyViolation):
            return exc
        seen.add(id(exc))
        # A doctest's exception comes wrapped in doctest.UnexpectedException(exc_info=...).
        wrapped = getattr(exc, "exc_info", None)
        inner = wrapped[1] if isinstance(wrapped, tuple) and len(wrapped) == 3 else None
        exc = inner if isinstance(inner, BaseException) else exc.__cause__ or exc.__context__
    return None


def _test_code(item: pytest.Item) -> CodeType | None:
    """The code of the test function (under its decorators), None for other items."""
    func = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
    try:
        func = inspect.unwrap(func) if func is not None else None
    except ValueError:  # a cycle of __wrapped__
        return None
    return getattr(func, "__code__", None)


def _test_line(item: pytest.Item, tb: TracebackType | None, path: str) -> tuple[int, str] | None:
    """Where the test made the refused call: the line of the test function's own frame, else
    the last frame in the test's file; (line number, source line)."""
    code = _test_code(item)
    own = last = None
    while tb is not None:
        if code is not None and tb.tb_frame.f_code is code:
            own = tb.tb_lineno
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == path:
            last = tb.tb_lineno
        tb = tb.tb_next
    found = own or last
    if found is None:
        return None
    import linecache  # only for a refusal

    return found, linecache.getline(path, found).strip()


def describe(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException],
             policy: TestPolicy, report: pytest.TestReport) -> None:
    """Add a ``hermetic`` section to the report of a test a refusal failed."""
    violation = _violation(excinfo.value)
    if violation is None or report.passed:
        return
    path = os.path.realpath(str(getattr(item, "path", "")))
    where = _test_line(item, violation.__traceback__, path)
    lines = [f"refused: {violation}"]
    if where is not None:
        lines.append(f"by the call at {os.path.basename(path)}:{where[0]}: {where[1]}")
    guard = getattr(violation, "guard", None)
    refusers = policy.refusers(guard) or policy.refusers(None)
    if refusers:
        lines.append("refused by " + "; ".join(refusers))
    longrepr: Any = report.longrepr
    if hasattr(longrepr, "addsection"):
        longrepr.addsection("hermetic", "\n".join(lines))
    else:
        report.sections.append(("hermetic", "\n".join(lines)))
