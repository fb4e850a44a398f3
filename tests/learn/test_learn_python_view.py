"""`hermetic learn`'s Python view: for a Python target, the variables it reads, the native code
it loads and the dynamic code it runs become keep_env, block_native and block_code_exec; what it
does not use is blocked. The enforced run under the learned policy passes with the same status and
output; a variant that reads one variable more does not get its value, and one that runs dynamic
code or loads native code it did not is refused (judged by the files it writes).
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig

from learn_support import Place

_EXTENSION = """#include <Python.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "tinyext", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_tinyext(void) { return PyModule_Create(&module); }
"""

# Reads the variables named on its command line (writing what it got to seen.txt), imports a C
# extension of its own and runs dynamic code.
_USES = """import os, sys
import tinyext
scope = {}
exec("value = 6 * 7", scope)
with open("seen.txt", "w") as out:
    for name in sys.argv[1:]:
        out.write(f"{name}={os.environ.get(name, '<missing>')}\\n")
print("answer", scope["value"], tinyext.__name__)
"""

# None of it, but what the standard library does on its own (a dataclass's generated code, the
# _json extension), which an enforced run allows anyway.
_NONE = """import json, sys
from dataclasses import dataclass

@dataclass
class Point:
    x: int

if len(sys.argv) > 1:  # the variant: native code and dynamic code it never used
    try:
        import ctypes  # noqa: F401
    except ImportError:
        pass
    exec("open('made.txt', 'w').write('x')")
open("out.txt", "w").write(json.dumps({"x": Point(3).x}))
print("done")
"""


def _policy(place: Place) -> dict[str, object]:
    """The table learn wrote (its own format: one value per line; no TOML parser on 3.9)."""
    text = place.policy_text.split("[policies.t]\n", 1)[1]
    policy: dict[str, object] = {}
    for key, value in re.findall(r"^(\w+) = (true|false)$", text, re.MULTILINE):
        policy[key] = value == "true"
    for key, items in re.findall(r'^(\w+) = \[\n((?:  ".*",\n)*)\]$', text, re.MULTILINE):
        policy[key] = re.findall(r'  "(.*)",', items)
    return policy


def _interpreters_own(place: Place) -> set[str]:
    """The variables of the place's environment the interpreter reads at start-up itself."""
    return {name for name in place.env if name.startswith("PYTHON")}


def test_python_view_learns_variables_native_and_dynamic_code(place: Place) -> None:
    subprocess.run(["cc", "-shared", "-fPIC", "-I", sysconfig.get_paths()["include"], "-x", "c",
                    "-", "-o", str(place.work / ("tinyext" + sysconfig.get_config_var(
                        "EXT_SUFFIX")))], input=_EXTENSION, text=True, check=True, timeout=60)
    (place.work / "uses.py").write_text(_USES)
    place.env.update({"X": "x-value", "Y": "y-value", "Z": "z-secret"})
    args = [sys.executable, "uses.py", "X", "Y"]
    bare = place.run(args)
    assert (bare.returncode, bare.stdout) == (0, "answer 42 tinyext\n"), bare.stderr
    seen = place.work / "seen.txt"
    seen.unlink()  # made by the run: learn grants its directory

    learned = place.learn(args)
    assert (learned.returncode, learned.stdout) == (0, bare.stdout), learned.stderr
    assert "native code loaded: tinyext" in learned.stderr
    policy = _policy(place)
    assert policy["block_environment"] is True
    # Not Z, nor PATH or HOME (an enforced run keeps those anyway).
    assert policy["keep_env"] == sorted(_interpreters_own(place) | {"X", "Y"})
    assert policy["block_native"] is False and policy["block_code_exec"] is False

    seen.unlink()
    enforced = place.enforced(args)
    assert (enforced.returncode, enforced.stdout) == (0, bare.stdout), enforced.stderr
    assert seen.read_text() == "X=x-value\nY=y-value\n"

    # One variable more: the enforced run does not have it; --check names the line it lacks.
    variant = [*args, "Z"]
    assert place.enforced(variant).returncode == 0
    assert seen.read_text() == "X=x-value\nY=y-value\nZ=<missing>\n"
    check = place.learn(variant, "--check")
    assert check.returncode == 3, check.stderr
    assert 'keep_env += "Z"' in check.stderr


def test_python_view_blocks_what_the_run_did_not_use(place: Place) -> None:
    (place.work / "none.py").write_text(_NONE)
    args = [sys.executable, "none.py"]
    learned = place.learn(args)
    assert (learned.returncode, learned.stdout) == (0, "done\n"), learned.stderr
    policy = _policy(place)
    assert policy["block_environment"] is True
    assert policy.get("keep_env", []) == sorted(_interpreters_own(place))
    assert policy["block_native"] is True and policy["block_code_exec"] is True

    out = place.work / "out.txt"
    out.unlink()
    enforced = place.enforced(args)
    assert (enforced.returncode, enforced.stdout) == (0, "done\n"), enforced.stderr
    assert out.read_text() == '{"x": 3}'

    # The ratchet: what the variant does more is refused, and named with the line allowing it.
    refused = place.run([place.hermetic, "--policy", "t", "--report-unexpected", "--", *args,
                         "variant"])
    assert refused.returncode == 3, refused.stderr
    assert not (place.work / "made.txt").exists()
    assert "native load ctypes" in refused.stderr and "block_native = false" in refused.stderr
    assert "block_code_exec = false" in refused.stderr


def test_a_program_that_is_not_python_gains_no_python_field(place: Place) -> None:
    learned = place.learn(["sh", "-c", "echo hi"])
    assert learned.returncode == 0, learned.stderr
    policy = _policy(place)
    assert not {"block_environment", "keep_env", "block_native", "block_code_exec"} & set(policy)
