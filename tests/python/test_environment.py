"""Environment guard: reads and writes denied, and the exact objects restored afterwards."""

from __future__ import annotations

import os

import pytest
from hermetic import PolicyViolation, hermetic_blocker

READS = {
    "environ[]": lambda: os.environ["PATH"],
    "environ.get": lambda: os.environ.get("PATH"),
    "in": lambda: "PATH" in os.environ,
    "iter": lambda: list(os.environ),
    "copy": lambda: os.environ.copy(),
    "dict": lambda: dict(os.environ),
    "getenv": lambda: os.getenv("PATH"),
    "environb": lambda: os.environb[b"PATH"],
    "getenvb": lambda: os.getenvb(b"PATH"),
}
WRITES = {
    "environ[]=": lambda: os.environ.__setitem__("HERMETIC_T", "1"),
    "putenv": lambda: os.putenv("HERMETIC_T", "1"),
    "unsetenv": lambda: os.unsetenv("PATH"),
    "pop": lambda: os.environ.pop("PATH"),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_reads_are_blocked(name):
    with hermetic_blocker(block_environment=True):
        with pytest.raises(PolicyViolation, match="environment disabled") as info:
            READS[name]()
    assert info.value.guard == "environment"


@pytest.mark.parametrize("name", sorted(WRITES))
def test_writes_are_blocked(name):
    with hermetic_blocker(block_environment=True):
        with pytest.raises(PolicyViolation, match="environment"):
            WRITES[name]()
    assert "HERMETIC_T" not in os.environ
    assert "PATH" in os.environ


def test_exact_objects_are_restored():
    before = (os.environ, os.environb, os.getenv, os.getenvb, os.putenv, os.unsetenv)
    snapshot = dict(os.environ)
    with hermetic_blocker(block_environment=True):
        assert os.environ is not before[0]
    after = (os.environ, os.environb, os.getenv, os.getenvb, os.putenv, os.unsetenv)
    assert all(a is b for a, b in zip(before, after))
    assert dict(os.environ) == snapshot
    os.environ["HERMETIC_T"] = "1"
    del os.environ["HERMETIC_T"]


def test_environment_is_readable_in_other_blocks():
    with hermetic_blocker(block_network=True):
        assert os.environ.get("PATH")


def test_keep_env_names_stay_readable(monkeypatch):
    """keep_env: the named variable reads as usual, by str and by bytes; every other read and
    every write is still refused."""
    monkeypatch.setenv("HERMETIC_T_KEPT", "kept-value")
    monkeypatch.setenv("HERMETIC_T_SECRET", "s3cret")
    with hermetic_blocker(block_environment=True, keep_env=["HERMETIC_T_KEPT"]):
        seen = (os.environ["HERMETIC_T_KEPT"], os.getenv("HERMETIC_T_KEPT"),
                "HERMETIC_T_KEPT" in os.environ, os.environb[b"HERMETIC_T_KEPT"])
        with pytest.raises(PolicyViolation, match="environment disabled"):
            os.environ["HERMETIC_T_SECRET"]
        with pytest.raises(PolicyViolation, match="environment disabled"):
            list(os.environ)
        with pytest.raises(PolicyViolation, match="environment"):
            os.environ["HERMETIC_T_KEPT"] = "changed"
    assert seen == ("kept-value", "kept-value", True, b"kept-value")
    assert os.environ["HERMETIC_T_KEPT"] == "kept-value"


def test_an_inner_level_without_the_name_refuses_it(monkeypatch):
    """Nesting only tightens: a name is readable when every blocking level keeps it."""
    monkeypatch.setenv("HERMETIC_T_KEPT", "kept-value")
    with hermetic_blocker(block_environment=True, keep_env=["HERMETIC_T_KEPT"]):
        with hermetic_blocker(block_environment=True):
            with pytest.raises(PolicyViolation, match="environment disabled"):
                os.environ["HERMETIC_T_KEPT"]
        assert os.environ["HERMETIC_T_KEPT"] == "kept-value"


def test_keep_env_without_block_environment_is_an_error():
    with pytest.raises(ValueError, match="--keep-env is an exception to --no-environment"):
        with hermetic_blocker(keep_env=["HOME"]):
            pass
    with pytest.raises(TypeError, match="keep_env takes a list of NAME values"):
        hermetic_blocker(block_environment=True, keep_env="HOME")
