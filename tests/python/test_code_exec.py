"""Dynamic code guard: user eval/exec/compile/runpy/pickled globals denied; stdlib helpers work."""

from __future__ import annotations

import collections
import enum
import importlib
import pickle
import runpy
import sys
import typing

import pytest
from hermetic import PolicyViolation, hermetic_blocker

DENIED = {
    "eval": lambda: eval("1 + 1"),
    "exec": lambda: exec("x = 1"),
    "compile": lambda: compile("1", "<s>", "eval"),
    "exec code object": lambda: exec((lambda: 1).__code__),
    "runpy.run_path": lambda: runpy.run_path(__file__),
    "pickle global": lambda: pickle.loads(pickle.dumps(print)),
    "code.replace": lambda: (lambda: 1).__code__.replace(co_filename="<frozen x>"),
}


@pytest.mark.parametrize("name", sorted(DENIED))
def test_user_dynamic_code_is_blocked(name):
    with hermetic_blocker(block_code_exec=True):
        with pytest.raises(PolicyViolation, match="dynamic code execution disabled") as info:
            DENIED[name]()
    assert info.value.guard == "code_exec"


def test_runtime_code_generation_keeps_working(tmp_path):
    mod = tmp_path / "fresh_mod_for_code.py"
    mod.write_text("import dataclasses\n@dataclasses.dataclass\nclass C:\n    a: int = 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with hermetic_blocker(block_code_exec=True):
            import dataclasses

            @dataclasses.dataclass(frozen=True)
            class D:
                a: int
                b: str = "x"

            assert D(1) == D(1, "x")
            assert collections.namedtuple("P", "a b")(1, 2).b == 2
            assert typing.NamedTuple("N", [("a", int)])(3).a == 3
            assert enum.Enum("E", "a b").b.value == 2
            assert typing.get_type_hints(D)["a"] is int
            fresh = importlib.import_module("fresh_mod_for_code")
            assert fresh.C().a == 1
            assert pickle.loads(pickle.dumps({"a": [1, 2.0, "x"]})) == {"a": [1, 2.0, "x"]}
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("fresh_mod_for_code", None)


def test_eval_works_again_after_the_block():
    with hermetic_blocker(block_code_exec=True):
        pass
    assert eval("1 + 1") == 2
