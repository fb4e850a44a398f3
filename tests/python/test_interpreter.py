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


def _planted_module(tmp_path, name: str):
    """A module in its own directory that leaves a marker file when it is imported."""
    marker = tmp_path / f"{name}.imported"
    (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    return marker


BYPASSES = {
    # The guarded lists refuse their own methods; these go around them.
    "list.insert on sys.path": lambda d: list.insert(sys.path, 0, d),
    "sys.path rebound": lambda d: setattr(sys, "path", [d, *sys.path]),
}


@pytest.mark.parametrize("how", sorted(BYPASSES))
def test_changed_lists_are_refused_at_the_next_import(how, tmp_path):
    name = "planted_" + how.replace(" ", "_").replace(".", "_")
    marker = _planted_module(tmp_path, name)
    saved = sys.path
    try:
        with hermetic_blocker(block_interpreter_mutation=True):
            BYPASSES[how](str(tmp_path))
            with pytest.raises(PolicyViolation, match="interpreter mutation disabled: sys.path"):
                __import__(name)
    finally:
        sys.path = saved
        sys.modules.pop(name, None)
    assert not marker.exists()
    # Bare, the same change does import the planted module.
    BYPASSES[how](str(tmp_path))
    try:
        __import__(name)
    finally:
        sys.path = saved
        if sys.path and sys.path[0] == str(tmp_path):
            del sys.path[0]
        sys.modules.pop(name, None)
    assert marker.exists()


def test_a_rebound_list_with_the_same_items_still_imports():
    with hermetic_blocker(block_interpreter_mutation=True):
        saved = sys.path
        sys.path = list(sys.path)
        try:
            import colorsys  # noqa: F401
        finally:
            sys.path = saved
