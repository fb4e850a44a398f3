"""--block-native means third-party native code: the running interpreter's own standard-library
extension modules load (the in-process guard lets them through, and the kernel part finds them
mapped ahead), while third-party extensions, ctypes and cffi stay refused in both layers. Every
refusal is judged by a marker file that the refused code's init would have written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

pytest.register_assert_rewrite("blocked_line")
from blocked_line import one_blocked_line  # noqa: E402

EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
LIB_DYNLOAD = Path(sys.base_exec_prefix, sys.platlibdir,
                   f"python{sys.version_info[0]}.{sys.version_info[1]}", "lib-dynload")


def build_marker_extension(directory: Path, module: str) -> Path:
    """An extension module `module` whose init writes the file named by $MARKER."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.fail("no C compiler: the tests need `cc`")
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / f"{module}.c"
    source.write_text(textwrap.dedent(f"""
        #define PY_SSIZE_T_CLEAN
        #include <Python.h>
        #include <stdio.h>
        #include <stdlib.h>
        static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "{module}", NULL, -1, NULL}};
        PyMODINIT_FUNC PyInit_{module}(void) {{
            FILE* f = fopen(getenv("MARKER"), "w");
            if (f) {{ fputs("init ran", f); fclose(f); }}
            return PyModule_Create(&def);
        }}
    """))
    library = directory / (module + EXT_SUFFIX)
    subprocess.run([cc, "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}",
                    str(source), "-o", str(library)], check=True, timeout=120)
    source.unlink()
    return library


def test_http_version_runs(run_hermetic, clean_env):
    """httpie imports _socket, _ssl, _json... and charset_normalizer, whose mypyc-compiled
    extensions (third-party) are refused and replaced by the Python source shipped next to
    them."""
    http = shutil.which("http")
    assert http is not None, "httpie is a test dependency"
    bare = subprocess.run([http, "--version"], capture_output=True, text=True, timeout=60,
                          env=clean_env())
    proc = run_hermetic(["--block-native", "--", http, "--version"], env=clean_env())
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, bare.stdout, "")


STDLIB_USES = {
    # json falls back to Python code without _json: whether it loaded is part of the output.
    "_json": "import json; print(json.dumps({'b': 1}), json.encoder.c_make_encoder is None)",
    "_ssl": "import ssl; print(ssl.create_default_context().protocol.name)",
    "_socket": "import socket; a, b = socket.socketpair(); a.send(b'hi'); print(b.recv(2))",
    "_sqlite3": ("import sqlite3; "
                 "print(sqlite3.connect(':memory:').execute('select 6*7').fetchall())"),
    "_decimal": "import decimal; print(decimal.Decimal(1) / 8)",
}


@pytest.mark.parametrize("module", STDLIB_USES)
def test_standard_library_extensions_load_after_the_kernel_part(module, run_hermetic,
                                                                clean_env):
    """Each is imported by the main program, after the kernel part (no new executable memory)
    is in: the output is the one the bare interpreter gives."""
    code = f"import sys; assert {module!r} not in sys.modules\n{STDLIB_USES[module]}"
    bare = run_hermetic(["--", sys.executable, "-c", code], env=clean_env())
    assert bare.returncode == 0, bare.stderr
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code], env=clean_env())
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, bare.stdout, "")


@pytest.mark.parametrize("flags", [["--block-native"], ["--profile", "block-all"]],
                         ids=["block-native", "block-all"])
def test_json_tool_runs(flags, run_hermetic, clean_env, tmp_path):
    document = tmp_path / "in.json"
    document.write_text('{"a": 1}')
    proc = run_hermetic([*flags, "--", sys.executable, "-m", "json.tool", str(document)],
                        env=clean_env())
    assert (proc.returncode, proc.stdout) == (0, '{\n    "a": 1\n}\n'), proc.stderr


def test_a_standard_name_elsewhere_is_third_party(run_hermetic, clean_env, tmp_path):
    """An extension named `_json` first on the search path (PYTHONPATH) is not the interpreter's:
    the real path of the file loaded decides, not the name."""
    impostor = build_marker_extension(tmp_path / "path", "_json")
    marker = tmp_path / "marker"
    code = "import _json"
    env = clean_env({"MARKER": str(marker), "PYTHONPATH": str(impostor.parent)})
    bare = run_hermetic(["--", sys.executable, "-c", code], env=env)
    assert bare.returncode == 0 and marker.exists(), bare.stderr  # the impostor is what loads
    marker.unlink()
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code], env=env)
    one_blocked_line(proc, "native import blocked: _json")
    assert not marker.exists()


def test_symlinks_are_judged_by_the_file_they_reach(run_hermetic, clean_env, tmp_path):
    """A link to the interpreter's own `_json` loads (it is that file); a link named like it
    that leads to third-party code is refused."""
    real_json = next(LIB_DYNLOAD.glob("_json.*.so"), None)
    assert real_json is not None, f"no _json extension in {LIB_DYNLOAD}"
    to_stdlib = tmp_path / "to-stdlib"
    to_stdlib.mkdir()
    (to_stdlib / ("_json" + EXT_SUFFIX)).symlink_to(real_json)
    third = build_marker_extension(tmp_path / "third", "_json")
    to_third = tmp_path / "to-third"
    to_third.mkdir()
    (to_third / ("_json" + EXT_SUFFIX)).symlink_to(third)
    marker = tmp_path / "marker"
    code = "import _json; print(_json.__file__)"

    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code],
                        env=clean_env({"MARKER": str(marker), "PYTHONPATH": str(to_stdlib)}))
    assert (proc.returncode, proc.stdout) == (0, f"{to_stdlib / ('_json' + EXT_SUFFIX)}\n"), \
        proc.stderr
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code],
                        env=clean_env({"MARKER": str(marker), "PYTHONPATH": str(to_third)}))
    one_blocked_line(proc, "native import blocked: _json")
    assert not marker.exists()


def test_a_third_party_extension_with_its_source_loads_the_source(run_hermetic, clean_env,
                                                                   tmp_path):
    """mypyc and Cython ship the module's Python source next to the extension: under
    --block-native the source is imported; the extension's init never runs."""
    library = build_marker_extension(tmp_path / "pkg", "dual")
    (library.parent / "dual.py").write_text("WHAT = 'python source'\n")
    marker = tmp_path / "marker"
    code = "import sys; sys.path.insert(0, sys.argv[1]); import dual; print(dual.__file__)"
    env = clean_env({"MARKER": str(marker)})
    bare = run_hermetic(["--", sys.executable, "-c", code, str(library.parent)], env=env)
    assert bare.returncode == 0 and marker.exists(), bare.stderr  # the extension comes first
    marker.unlink()
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code,
                         str(library.parent)], env=env)
    assert (proc.returncode, proc.stdout) == (0, f"{library.parent / 'dual.py'}\n"), proc.stderr
    assert not marker.exists()


CTYPES_WRITES = "import ctypes, sys; ctypes.CDLL(None).creat(sys.argv[1].encode(), 0o644)"


@pytest.mark.parametrize("flags", [["--block-native"], ["--profile", "block-all"]],
                         ids=["block-native", "block-all"])
def test_ctypes_stays_refused(flags, run_hermetic, clean_env, tmp_path):
    marker = tmp_path / "marker"
    bare = run_hermetic(["--", sys.executable, "-c", CTYPES_WRITES, str(marker)],
                        env=clean_env())
    assert bare.returncode == 0 and marker.exists(), bare.stderr
    marker.unlink()
    proc = run_hermetic([*flags, "--", sys.executable, "-c", CTYPES_WRITES, str(marker)],
                        env=clean_env())
    one_blocked_line(proc, "import blocked: ctypes")
    assert not marker.exists()


def test_ctypes_backend_by_another_name_is_refused(run_hermetic, clean_env):
    """_ctypes' file loaded under another module name: the file decides, and it is never one of
    the standard library's allowed files."""
    backend = next(LIB_DYNLOAD.glob("_ctypes.*.so"), None)
    assert backend is not None, f"no _ctypes in {LIB_DYNLOAD}"
    code = ("import importlib.machinery as m, importlib.util as u, sys\n"
            "loader = m.ExtensionFileLoader('other', sys.argv[1])\n"
            "u.module_from_spec(u.spec_from_file_location('other', sys.argv[1], loader=loader))")
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code, str(backend)],
                        env=clean_env())
    one_blocked_line(proc, "native import blocked: other")


def test_the_kernel_part_alone_maps_only_the_standard_library(clean_env, tmp_path):
    """Without the in-process guards (the extension's deny_native_code, as the CLI applies it
    when the main program starts): no new executable mapping, but the interpreter's own
    extension modules were mapped just before, without _ctypes (so ctypes cannot load) and
    without running any module's init."""
    third = build_marker_extension(tmp_path / "third", "markext")
    marker = tmp_path / "marker"
    code = textwrap.dedent(f"""
        import _imp, sys, importlib.machinery as m, importlib.util as u
        import hermetic._hermetic as native
        assert "_json" not in sys.modules and "_ctypes" not in sys.modules
        native.deny_native_code()
        import _json, _ssl
        print("standard library loaded")
        try:
            import ctypes
        except ImportError:
            print("ctypes refused")
        path = {str(third)!r}
        spec = u.spec_from_file_location("markext", path,
                                         loader=m.ExtensionFileLoader("markext", path))
        try:
            _imp.create_dynamic(spec)
        except ImportError:
            print("third party refused")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=clean_env({"MARKER": str(marker)}), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "standard library loaded\nctypes refused\nthird party refused\n"
    assert not marker.exists()
    assert os.environ.get("MARKER") is None
