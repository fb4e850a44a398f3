"""The in-process layer's start in programs other than `python FILE` (issue 14, item 7): an
embedding program (gdb's `python` command) gets the Python-only guards; `--deny-import os`
refuses the target's import, not the interpreter's own start-up; under `--block-native` a
dynamically linked child is refused with the reason, instead of failing in its loader. Judged
by marker files."""

from __future__ import annotations

import shutil
import sys

import pytest

pytest.register_assert_rewrite("blocked_line")
from blocked_line import one_blocked_line  # noqa: E402

GDB = shutil.which("gdb")
needs_gdb = pytest.mark.skipif(GDB is None, reason="gdb is not installed (scripts/setup.sh)")


@needs_gdb
def test_gdb_python_is_under_no_code_exec(run_hermetic, tmp_path):
    marker = tmp_path / "exec-ran"
    command = f"python exec(\"open({str(marker)!r}, 'w').close()\")"
    bare = run_hermetic(["--", GDB, "-batch", "-ex", command])
    assert marker.exists(), bare.stderr  # the probe works
    marker.unlink()
    proc = run_hermetic(["--no-code-exec", "--", GDB, "-batch", "-ex", command])
    assert not marker.exists(), proc.stderr
    assert "dynamic code execution disabled" in proc.stderr


@needs_gdb
def test_gdb_python_still_runs_its_command(run_hermetic, tmp_path):
    marker = tmp_path / "ran"
    command = f"python open({str(marker)!r}, 'w').close()"
    proc = run_hermetic(["--no-code-exec", "--deny-import", "json", "--", GDB, "-batch",
                         "-ex", command])
    assert marker.exists(), proc.stderr


@needs_gdb
def test_gdb_python_is_under_deny_import(run_hermetic, tmp_path):
    marker = tmp_path / "imported"
    command = f"python import json; open({str(marker)!r}, 'w').close()"
    proc = run_hermetic(["--deny-import", "json", "--", GDB, "-batch", "-ex", command])
    assert not marker.exists(), proc.stderr


def test_deny_import_os_starts_and_refuses_the_import(run_hermetic, tmp_path):
    marker = tmp_path / "after-import"
    proc = run_hermetic(["--deny-import", "os", "--", sys.executable, "-c",
                         f"open({str(marker)!r}, 'w').close()"])
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()
    marker.unlink()
    proc = run_hermetic(["--deny-import", "os", "--", sys.executable, "-c",
                         f"import os; open({str(marker)!r}, 'w').close()"])
    one_blocked_line(proc, "import blocked: os")
    assert not marker.exists()


def test_block_native_refuses_a_dynamic_child_with_the_reason(run_hermetic, tmp_path):
    marker = tmp_path / "after-system"
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c",
                         f"import os; os.system('echo hi'); open({str(marker)!r}, 'w').close()"])
    one_blocked_line(proc, "native code blocked: os.system(/bin/sh): a dynamically linked")
    assert not marker.exists()


def test_block_native_lets_a_static_child_run(run_hermetic, hermetic_bin, tmp_path):
    marker = tmp_path / "static-ran"
    code = (f"import subprocess; subprocess.run([{hermetic_bin!r}, '--help'], check=True, "
            f"stdout=subprocess.DEVNULL); open({str(marker)!r}, 'w').close()")
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code])
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()
