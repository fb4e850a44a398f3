"""500 trivial tests under `pytest -p hermetic`: each in a forked child (kernel isolation) and
each in-process; all pass, each in the process the mode says (bench/pytest_plugin.py times it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SUITE = """
import os
import pytest

@pytest.mark.parametrize("n", range(500))
def test_trivial(n):
    if n % 100 == 0:
        with open(os.path.join(MARKS_DIR, f"pid{n}"), "w") as f:
            f.write(str(os.getpid()))
"""


@pytest.mark.parametrize("mode", ["isolated", "in-process"])
def test_500_trivial_tests(inner, marks: Path, mode: str) -> None:
    off = ["--hermetic-isolation=off"] if mode == "in-process" else []
    result = inner(SUITE, "-p", "hermetic", "-q", "--hermetic-block-subprocess", *off)
    result.assert_outcomes(passed=500)
    pids = {(marks / f"pid{n}").read_text() for n in range(0, 500, 100)}
    if mode == "isolated":
        assert len(pids) == 5 and str(os.getpid()) not in pids
    else:
        assert pids == {str(os.getpid())}
