"""What isolation adds to the in-process layer's exceptions: in a forked test, the network's
exceptions and fs_readonly hold in the kernel too, served by a supervisor in pytest's process, so
a subprocess of the test (or ctypes, or a C extension) meets the same rules as the test's Python.

Judged by side effect: the listeners' counts, files outside and inside the inner tests' tmp_path.
Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import inspect
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

NETWORK = """
import subprocess
import pytest

def connect(port):
    # bash's /dev/tcp: a connect() by another program, which only the kernel layer sees.
    cmd = ["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"]
    return subprocess.run(cmd, timeout=60, check=False).returncode

@pytest.mark.hermetic(block_network=True, allow_localhost=True)
def test_localhost_allowed():
    assert connect(LISTENER_PORT) == 0

@pytest.mark.hermetic(block_network=True, allow_connect=["127.0.0.1:LISTENER_PORT"])
def test_one_port_allowed():
    assert connect(LISTENER_PORT) == 0
    assert connect(OTHER_PORT) != 0

@pytest.mark.hermetic(block_network=True, allow_connect=["127.0.0.1:LISTENER_PORT"])
def test_refusal_is_reported():
    assert connect(OTHER_PORT) == 0
"""


def test_network_exceptions_hold_a_subprocess(inner, listener, other_listener) -> None:
    result = inner(NETWORK.replace("OTHER_PORT", str(other_listener.port)))
    result.assert_outcomes(passed=2, failed=1)
    assert listener.settle().tcp == 2  # the allowed connects got through
    assert other_listener.settle().tcp == 0  # the other port never heard from the subprocess
    result.stdout.fnmatch_lines([
        "*- hermetic: refused in the kernel -*",
        f"*network disabled: connect*127.0.0.1:{other_listener.port}*",
    ])


FILES = """
import ctypes, os, shutil, subprocess
import pytest

def outside(name):
    return os.path.join(MARKS_DIR, name)

@pytest.mark.hermetic(fs_readonly=True)
def test_writes(tmp_path):
    subprocess.run(["touch", outside("touched")], timeout=60, check=False)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.open(outside("by-ctypes").encode(), os.O_WRONLY | os.O_CREAT, 0o644)
    if fd >= 0:
        libc.close(fd)
    subprocess.run(["chmod", "600", outside("existing")], timeout=60, check=False)
    subprocess.run(["touch", str(tmp_path / "touched")], timeout=60, check=True)
    subprocess.run(["touch", os.path.join(os.environ["TMPDIR"], "temp")], timeout=60, check=True)
    source = tmp_path / "source"
    source.write_text("data")
    os.chmod(source, 0o640)
    os.utime(source, (1_000_000, 1_000_000))
    shutil.copy2(source, tmp_path / "copy2")
    subprocess.run(["cp", "-p", str(source), str(tmp_path / "cp-p")], timeout=60, check=True)

@pytest.mark.hermetic(fs_readonly=True, allow_write=["not-made-yet"])
def test_missing_allow_write(tmp_path):  # Landlock cannot name it: left out, not an error
    subprocess.run(["touch", str(tmp_path / "touched")], timeout=60, check=True)
"""


def test_fs_readonly_holds_a_subprocess(inner, pytester: pytest.Pytester, marks: Path) -> None:
    existing = marks / "existing"
    existing.write_text("")
    existing.chmod(0o644)
    base = pytester.path / "base"
    result = inner(FILES, f"--basetemp={base}")
    result.assert_outcomes(passed=2)
    assert sorted(p.name for p in marks.iterdir()) == ["existing"]  # nothing written outside
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644  # nor its mode changed
    # The test's own places stayed writable, metadata calls (chmod, utime) included.
    tmp = base / "test_writes0"
    assert (tmp / "touched").is_file()
    assert (base / "test_missing_allow_write0" / "touched").is_file()
    for copy in ("copy2", "cp-p"):
        st = os.stat(tmp / copy)
        assert (stat.S_IMODE(st.st_mode), int(st.st_mtime)) == (0o640, 1_000_000), copy


UNDER_A_SUPERVISOR = """
import subprocess
import pytest

@pytest.mark.hermetic(block_network=True, allow_localhost=True)
def test_localhost(tmp_path):
    cmd = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/LISTENER_PORT"]
    subprocess.run(cmd, timeout=60, check=True)

@pytest.mark.hermetic(fs_readonly=True)
def test_tmp_path(tmp_path):
    (tmp_path / "written").write_text("fine")
"""


def test_under_a_supervising_hermetic_command(pytester: pytest.Pytester, listener,
                                              hermetic_bin: str, clean_env) -> None:
    # pytest under `hermetic --allow-localhost`: the kernel allows one listener in a filter
    # chain, so the tests' exceptions stay in-process (the command's own supervisor holds the
    # network) instead of failing every such test.
    pytester.makepyfile(test_inner=UNDER_A_SUPERVISOR.replace("LISTENER_PORT",
                                                              str(listener.port)))
    cmd = [hermetic_bin, "--no-network", "--allow-localhost", "--", sys.executable, "-m",
           "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:xdist",
           f"--basetemp={pytester.path / 'base'}", str(pytester.path / "test_inner.py")]
    done = subprocess.run(cmd, cwd=pytester.path, env=clean_env(), timeout=120,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert listener.settle().tcp == 1
    assert (pytester.path / "base" / "test_tmp_path0" / "written").read_text() == "fine"


PREPARED_ONCE = """
import os
import pytest

@pytest.mark.parametrize("n", range(4))
@pytest.mark.hermetic(fs_readonly=True, block_network=True, allow_localhost=True)
def test_marked(n, tmp_path):
    (tmp_path / "f").write_text("x")

def test_zz_count():  # unmarked: runs in pytest's process, which holds the prepared parts
    with open(os.path.join(MARKS_DIR, "rulesets"), "w") as f:
        f.write(str(rulesets()))

RULESETS
"""


def rulesets() -> int:
    """How many Landlock rulesets this process holds open."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:[landlock-ruleset]"
        except OSError:  # the directory's own fd, closed by now
            pass
    return count



def test_kernel_part_prepared_once_per_policy(inner, marks: Path) -> None:
    # Each parametrized test carries a marker of its own; their kernel parts are one, prepared
    # once (not one set of Landlock rulesets per test, kept open for the session).
    before = rulesets()
    result = inner(PREPARED_ONCE.replace("RULESETS", inspect.getsource(rulesets)))
    result.assert_outcomes(passed=5)
    assert int((marks / "rulesets").read_text()) - before <= 3
