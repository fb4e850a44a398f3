"""The in-process layer in every CPython 3.9+ a target uses, not only the one hermetic was
installed with: the extension is built for the stable ABI. Each interpreter of this machine
(pyenv's versions, the system's) runs the same checks, judged by side effect: the listener sees
nothing, the marker file is never made. An older Python runs with the kernel layer alone, and a
flag only the in-process layer can enforce is refused for it."""

from __future__ import annotations

import glob
import os
import re
import subprocess
from pathlib import Path

import pytest

pytest.register_assert_rewrite("blocked_line")
from blocked_line import BLOCKED, one_blocked_line, one_note_line  # noqa: E402

PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv")))


def interpreters() -> dict[tuple[int, int], str]:
    """One CPython per minor version found on this machine (free-threaded builds left out)."""
    found: dict[tuple[int, int], str] = {}
    candidates = sorted(glob.glob(str(PYENV_ROOT / "versions" / "*" / "bin" / "python3.*")))
    for system_dir in ("/usr/bin", "/usr/local/bin"):
        candidates += sorted(glob.glob(f"{system_dir}/python3.*"))
    for path in candidates:
        match = re.fullmatch(r"python3\.(\d+)", Path(path).name)
        if match and os.access(path, os.X_OK):
            found.setdefault((3, int(match[1])), path)
    return found


FOUND = interpreters()
SUPPORTED = {f"{v[0]}.{v[1]}": p for v, p in sorted(FOUND.items()) if v >= (3, 9)}
OLDER = {f"{v[0]}.{v[1]}": p for v, p in sorted(FOUND.items()) if v < (3, 9)}


def present(table: dict[str, str], version: str) -> str:
    if version == "<none>":
        pytest.skip("no such CPython on this machine")
    return table[version]


def test_several_versions_are_checked() -> None:
    # The point is "not only the installing version": with fewer than two, nothing is shown.
    assert len(SUPPORTED) >= 2, f"CPython 3.9+ found here: {SUPPORTED}"


CONNECT = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)"


@pytest.mark.parametrize("version", list(SUPPORTED) or ["<none>"])
def test_network_block_reported_in_each_python(version, run_hermetic, listener, clean_env):
    python = present(SUPPORTED, version)
    port = str(listener.port)
    bare = subprocess.run([python, "-c", CONNECT, port], capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    assert bare.returncode == 0 and listener.wait_for_contact().total > 0, bare.stderr

    before = listener.settle().total
    proc = run_hermetic(["--no-network", "--", python, "-c", CONNECT, port])
    # Exit 2 and hermetic's line, not a PermissionError traceback: the in-process layer ran.
    one_blocked_line(proc, "network disabled: ")
    assert listener.settle().total == before


EXEC_WRITES = "import sys; exec(\"open(sys.argv[1], 'w').write('ran')\")"


@pytest.mark.parametrize("version", list(SUPPORTED) or ["<none>"])
def test_python_only_flag_holds_in_each_python(version, run_hermetic, tmp_path: Path):
    python = present(SUPPORTED, version)
    control = tmp_path / "control"
    subprocess.run([python, "-c", EXEC_WRITES, str(control)], check=True, timeout=60)
    assert control.read_text() == "ran"

    marker = tmp_path / "marker"
    proc = run_hermetic(["--no-code-exec", "--", python, "-c", EXEC_WRITES, str(marker)])
    one_blocked_line(proc, "dynamic code execution disabled: exec")
    assert not marker.exists()


NATIVE_WRITE = "import ctypes; ctypes.CDLL(None).write(1, b'native ran\\n', 11)"


@pytest.mark.parametrize("version", list(SUPPORTED) or ["<none>"])
def test_block_native_holds_in_each_python(version, run_hermetic):
    python = present(SUPPORTED, version)
    bare = subprocess.run([python, "-c", NATIVE_WRITE], capture_output=True, text=True,
                          timeout=60, check=True)
    assert "native ran" in bare.stdout

    proc = run_hermetic(["--block-native", "--", python, "-c", NATIVE_WRITE])
    one_blocked_line(proc, "import blocked: ctypes")
    assert "native ran" not in proc.stdout


@pytest.mark.parametrize("version", list(OLDER) or ["<none>"])
def test_older_python_gets_the_kernel_layer_alone(version, run_hermetic, listener, tmp_path):
    python = present(OLDER, version)
    before = listener.settle().total
    proc = run_hermetic(["--no-network", "--", python, "-c", CONNECT, str(listener.port)])
    # Still blocked, by the kernel: a plain PermissionError, not hermetic's line.
    assert proc.returncode == 1 and "PermissionError" in proc.stderr, proc.stderr
    assert BLOCKED not in proc.stderr
    assert listener.settle().total == before

    # A flag that only the in-process layer enforces is refused rather than dropped.
    marker = tmp_path / "marker"
    proc = run_hermetic(["--no-code-exec", "--", python, "-c", EXEC_WRITES, str(marker)])
    assert proc.returncode == 1, proc.stderr
    assert "runs on CPython 3.9 or newer" in proc.stderr
    assert not marker.exists()


# --- found by the audit of the stable-ABI port (each also held before on 3.11 alone) ---------

FRAMELESS_EXEC = """\
import _thread, atexit, sys, time
src = "open(%r, 'w').write('ran')"
_thread.start_new_thread(exec, (src % (sys.argv[1] + '.thread'), {}))
time.sleep(0.5)
atexit.register(exec, src % (sys.argv[1] + '.atexit'), {})
"""


@pytest.mark.parametrize("version", list(SUPPORTED) or ["<none>"])
def test_exec_handed_to_c_is_refused(version, run_hermetic, tmp_path: Path):
    # A new thread or an atexit handler calls exec with no Python frame of its own, which the
    # guard used to take for the interpreter running the main program.
    python = present(SUPPORTED, version)
    control = tmp_path / "control"
    subprocess.run([python, "-c", FRAMELESS_EXEC, str(control)], check=True, timeout=60)
    assert (tmp_path / "control.thread").exists() and (tmp_path / "control.atexit").exists()

    marker = tmp_path / "marker"
    proc = run_hermetic(["--no-code-exec", "--", python, "-c", FRAMELESS_EXEC, str(marker)])
    assert "dynamic code execution disabled: exec" in proc.stderr, proc.stderr
    assert not (tmp_path / "marker.thread").exists()
    assert not (tmp_path / "marker.atexit").exists()


SUBINTERPRETER = """\
import sys
try:
    import _interpreters as interpreters
except ImportError:
    import _xxsubinterpreters as interpreters
try:
    handle = interpreters.create()
except Exception as error:
    print("refused:", type(error).__name__)
    sys.exit(3)
interpreters.run_string(handle, "open(%r, 'w').write('ran')" % sys.argv[1])
"""


def has_subinterpreters(python: str) -> bool:
    probe = "import importlib.util as u; print(any(u.find_spec(n) for n in " \
            "('_interpreters', '_xxsubinterpreters')))"
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60)
    return out.stdout.strip() == "True"


@pytest.mark.parametrize("version", list(SUPPORTED) or ["<none>"])
@pytest.mark.parametrize("flag", ["--no-network", "--no-code-exec"])
def test_subinterpreters_are_refused_without_a_crash(version, flag, run_hermetic, tmp_path):
    # The hook's state is one per process: a subinterpreter with a GIL of its own (3.12+) made
    # two threads race on it and crashed the target; run_string compiled with no frame.
    python = present(SUPPORTED, version)
    if not has_subinterpreters(python):
        pytest.skip(f"CPython {version} has no subinterpreter module")
    control = tmp_path / "control"
    subprocess.run([python, "-c", SUBINTERPRETER, str(control)], check=True, timeout=60)
    assert control.read_text() == "ran"

    marker = tmp_path / "marker"
    proc = run_hermetic([flag, "--", python, "-c", SUBINTERPRETER, str(marker)])
    # Refused, not crashed. The program catches the RuntimeError that creation raises (CPython's
    # own, whether the creation event reached the hook, before 3.12, or the new interpreter was
    # stopped from inside, 3.12+) and exits 3: its own status, with hermetic's note naming the
    # refusal.
    assert "refused:" in proc.stdout, (proc.returncode, proc.stderr)
    one_note_line(proc, 3, "subinterpreters disabled: ")
    assert not marker.exists()


@pytest.mark.parametrize("version", list(SUPPORTED) or ["<none>"])
def test_asyncio_imports_under_no_code_exec(version, run_hermetic):
    # types.coroutine rebuilds a code object with new flags (code.__new__) when asyncio loads;
    # types.py is trusted like dataclasses and typing.
    python = present(SUPPORTED, version)
    proc = run_hermetic(["--no-code-exec", "--", python, "-c",
                         "import asyncio, unittest.mock; print('imported')"])
    assert proc.returncode == 0 and proc.stdout.strip() == "imported", proc.stderr


TOOL = """\
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
"""


@pytest.mark.parametrize("version", list(SUPPORTED) or ["<none>"])
def test_console_script_of_another_venv_runs_guarded(version, run_hermetic, listener, tmp_path):
    # A tool installed in a venv of its own (another Python than hermetic's), found on PATH by
    # its name and run by its shebang, as pipx installs them.
    python = present(SUPPORTED, version)
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    tool = venv / "bin" / "fetch-tool"
    tool.write_text(f"#!{venv / 'bin' / 'python'}\n{TOOL}")
    tool.chmod(0o755)
    path = f"{venv / 'bin'}:{os.environ['PATH']}"
    bare = subprocess.run([str(tool), str(listener.port)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert bare.returncode == 0 and listener.wait_for_contact().total > 0, bare.stderr

    before = listener.settle().total
    proc = run_hermetic(["--no-network", "--", "fetch-tool", str(listener.port)],
                        env={"PATH": path})
    one_blocked_line(proc, "network disabled: ")
    assert listener.settle().total == before
