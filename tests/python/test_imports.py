"""deny_imports and block_native: a module and its submodules, extension modules, FFI."""

from __future__ import annotations

import importlib
import importlib.util
import json
import runpy
import subprocess
import sys

import pytest
from hermetic import PolicyViolation, hermetic_blocker


def test_denied_import_is_an_import_error_and_a_policy_violation():
    with hermetic_blocker(deny_imports=["json"]):
        with pytest.raises(ImportError) as info:
            import json as again  # noqa: F401  # already loaded: still denied
    assert isinstance(info.value, PolicyViolation)
    assert info.value.guard == "imports"
    assert info.value.target == "json"
    assert info.value.name == "json"


def test_import_error_fallbacks_keep_working():
    with hermetic_blocker(deny_imports=["json"]):
        try:
            import json as impl
        except ImportError:
            impl = None
    assert impl is None


def test_submodules_and_fresh_loads_are_denied():
    sys.modules.pop("xml.dom.minidom", None)
    with hermetic_blocker(deny_imports=["xml"]):
        with pytest.raises(ImportError):
            import xml.dom.minidom  # noqa: F401
        with pytest.raises(ImportError):
            importlib.import_module("xml.dom.minidom")
        with pytest.raises(ImportError):
            from xml import dom  # noqa: F401


ROUTES = {
    "import_module": lambda name: importlib.import_module(name),
    "runpy.run_module": lambda name: runpy.run_module(name),
    "find_spec": lambda name: importlib.util.find_spec(name),
}


@pytest.mark.parametrize("route", ROUTES.values(), ids=ROUTES.keys())
def test_routes_past_the_import_statement_are_denied(route, tmp_path, monkeypatch):
    """importlib.import_module, runpy and find_spec ask the finders without the `import`
    event: the module's body must not run (a marker file would show it did)."""
    marker = tmp_path / "ran"
    (tmp_path / "hx_denied_route.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("hx_denied_route", None)
    with hermetic_blocker(deny_imports=["hx_denied_route"]):
        with pytest.raises(ImportError):
            route("hx_denied_route")
    assert not marker.exists()
    assert not any(type(f).__name__ == "_DeniedImports" or getattr(f, "__name__", "") ==
                   "_DeniedImports" for f in sys.meta_path)  # the block's finder is gone
    importlib.import_module("hx_denied_route")
    assert marker.exists()  # and the module loads again once the block is left
    sys.modules.pop("hx_denied_route", None)


def test_import_module_of_an_already_loaded_module_is_denied():
    with hermetic_blocker(deny_imports=["json"]):
        with pytest.raises(ImportError):
            importlib.import_module("json")
    assert importlib.import_module("json") is json


def test_similar_names_are_not_denied():
    with hermetic_blocker(deny_imports=["js"]):
        assert importlib.import_module("json") is json
        import colorsys

        assert colorsys.rgb_to_hsv(0, 0, 0) == (0.0, 0.0, 0.0)


def test_import_works_after_the_block():
    with hermetic_blocker(deny_imports=["json"]):
        pass
    import json as again

    assert again is json


def test_block_native_denies_new_extension_modules_and_ffi():
    sys.modules.pop("_testbuffer", None)
    with hermetic_blocker(block_native=True):
        with pytest.raises(ImportError, match="native import blocked: _testbuffer"):
            import _testbuffer  # noqa: F401
        # `import name` (through builtins.__import__, which is guarded even for a module that
        # another test already loaded); importlib.import_module of a loaded module is a
        # documented gap, so this test must not depend on what ran before it.
        for name in ("ctypes", "_ctypes", "cffi", "_cffi_backend"):
            with pytest.raises(ImportError):
                __import__(name)
        import colorsys  # pure Python: fine

        assert colorsys
    import _testbuffer  # noqa: F401,F811  # after the block: loads


def test_block_native_denies_an_already_loaded_ctypes():
    import ctypes

    with hermetic_blocker(block_native=True):
        with pytest.raises(PolicyViolation, match="native interface blocked"):
            ctypes.CDLL(None)
    assert ctypes.CDLL(None)


def test_block_native_lets_the_standard_library_load():
    """The interpreter's own extension modules (its lib-dynload) are not third-party code; a
    fresh interpreter, since an extension loaded once is not loaded again."""
    code = (
        "import sys\n"
        "from hermetic import hermetic_blocker\n"
        "with hermetic_blocker(block_native=True):\n"
        "    import _json, _ssl, _sqlite3, _decimal\n"
        "    for name in ('ctypes', '_ctypes'):\n"
        "        try:\n"
        "            __import__(name)\n"
        "        except ImportError:\n"
        "            print('refused', name)\n"
        "print(sorted(n for n in ('_json', '_ssl', '_sqlite3', '_decimal') if n in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "refused ctypes\nrefused _ctypes\n['_decimal', '_json', '_sqlite3', '_ssl']\n"
    )
