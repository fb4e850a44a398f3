"""Interpreter mutation guard: sys.path & co, chdir, site.addsitedir."""

from __future__ import annotations

import os
import site
import sys

import pytest
from hermetic import PolicyViolation, hermetic_blocker

MUTATIONS = {
    "sys.path.append": lambda: sys.path.append("/nowhere"),
    "sys.path.insert": lambda: sys.path.insert(0, "/nowhere"),
    "sys.path[0]=": lambda: sys.path.__setitem__(0, "/nowhere"),
    "sys.path +=": lambda: sys.path.__iadd__(["/nowhere"]),
    "sys.meta_path.insert": lambda: sys.meta_path.insert(0, object()),
    "sys.path_hooks.append": lambda: sys.path_hooks.append(lambda p: None),
    "os.chdir": lambda: os.chdir("/"),
    "os.fchdir": lambda: os.fchdir(os.open("/", os.O_RDONLY)),
    "site.addsitedir": lambda: site.addsitedir("/nowhere"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutations_are_blocked(name):
    cwd = os.getcwd()
    path = list(sys.path)
    with hermetic_blocker(block_interpreter_mutation=True):
        with pytest.raises(PolicyViolation, match="interpreter mutation disabled") as info:
            MUTATIONS[name]()
    assert info.value.guard == "interpreter"
    assert os.getcwd() == cwd
    assert sys.path == path


def test_reads_and_imports_keep_working():
    with hermetic_blocker(block_interpreter_mutation=True):
        assert sys.path[0] is not None and len(sys.meta_path) > 0
        import wave  # noqa: F401


def test_exact_lists_are_restored():
    before = (sys.path, sys.meta_path, sys.path_hooks, site.addsitedir)
    with hermetic_blocker(block_interpreter_mutation=True):
        assert sys.path is not before[0]
    assert (sys.path, sys.meta_path, sys.path_hooks, site.addsitedir) == before
    assert all(
        a is b for a, b in zip(before, (sys.path, sys.meta_path, sys.path_hooks, site.addsitedir))
    )
