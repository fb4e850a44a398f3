"""The in-process layer's refusals under the CLI: each is the error the kernel would give (so
programs handle it as they would the kernel's), guards judge the place actually written, and
the message says how to allow it. Judged by exit status and by what is on disk."""

from __future__ import annotations

import os
import sys
import tarfile
from pathlib import Path

import pytest
from fs_helpers import hermetic, snapshot

pytest.register_assert_rewrite("blocked_line")
from blocked_line import one_blocked_line  # noqa: E402


@pytest.fixture
def readonly_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A source directory the run may not write and an --allow-write destination."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "data.txt").write_text("data")
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    return source, allowed


SHUTIL = {
    # Each reads `source` (read-only) and writes into `allowed`. (copy2 and copytree also copy
    # the mode and times, metadata calls the kernel layer refuses here before issue 13's item 1.)
    "copyfile": "shutil.copyfile(src / 'data.txt', dst / 'copy.txt')",
    "make_archive": "shutil.make_archive(str(dst / 'archive'), 'gztar', root_dir=src)",
    "unpack_archive": "shutil.unpack_archive(src / 'a.tar', dst / 'unpacked')",
}


@pytest.mark.parametrize("call", SHUTIL.values(), ids=SHUTIL.keys())
def test_shutil_is_judged_by_the_place_it_writes(call, readonly_tree):
    source, allowed = readonly_tree
    with tarfile.open(source / "a.tar", "w") as archive:
        archive.add(source / "data.txt", arcname="data.txt")
    before = snapshot(source)
    code = ("import shutil, sys\nfrom pathlib import Path\nsrc, dst = map(Path, sys.argv[1:3])\n"
            f"{call}\n")
    # The working directory is read-only too: make_archive's format is not a path.
    result = hermetic(["--fs-readonly", "--allow-write", str(allowed)],
                      [sys.executable, "-c", code, str(source), str(allowed)], cwd=source)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert snapshot(source) == before
    assert any(p.is_file() for p in allowed.rglob("*")), sorted(allowed.rglob("*"))


def test_shutil_copyfile_into_a_read_only_place_names_the_destination(readonly_tree):
    source, allowed = readonly_tree
    before = snapshot(source)
    code = "import shutil, sys\nshutil.copyfile(sys.argv[1], sys.argv[2])\n"
    result = hermetic(["--fs-readonly", "--allow-write", str(allowed)],
                      [sys.executable, "-c", code, str(allowed / "x"), str(source / "copy.txt")])
    one_blocked_line(result, f"filesystem mutation disabled: shutil.copyfile({source}/copy.txt) "
                             f"(allow with --allow-write {source})")
    assert snapshot(source) == before


def test_makedirs_of_an_existing_directory_succeeds(tmp_path):
    (tmp_path / "a").mkdir()
    code = ("import os, sys, pathlib\nos.makedirs(sys.argv[1], exist_ok=True)\n"
            "pathlib.Path(sys.argv[1]).mkdir(parents=True, exist_ok=True)\n")
    result = hermetic(["--fs-readonly"], [sys.executable, "-c", code, str(tmp_path / "a")])
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_pytest_runs_where_its_cache_cannot_be_written(tmp_path):
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n")
    before = snapshot(tmp_path)
    result = hermetic(["--fs-readonly"],
                      [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "test_one.py"],
                      cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert snapshot(tmp_path) == before  # no .pytest_cache, no __pycache__


def test_a_refused_write_says_which_allow_write_allows_it(tmp_path):
    target = tmp_path / "deep" / "new.txt"  # deep/ does not exist: its parent is named
    result = hermetic(["--fs-readonly"],
                      [sys.executable, "-c", "import sys; open(sys.argv[1], 'w')", str(target)])
    one_blocked_line(result, f"filesystem readonly: {target} (allow with --allow-write {tmp_path})")
    assert not (tmp_path / "deep").exists()


def test_a_read_outside_the_root_says_which_allow_read_allows_it(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    result = hermetic([f"--fs-readonly={root}"],
                      [sys.executable, "-c", "import sys; print(open(sys.argv[1]).read())",
                       str(secret)])
    one_blocked_line(result,
                     f"read outside sandbox root: {secret} (allow with --allow-read {secret})")
    assert "s" not in result.stdout


def test_a_refused_socket_names_the_destination_looked_up(tmp_path, listener):
    code = "import socket, sys\nsocket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)\n"
    before = listener.settle().total
    result = hermetic(["--no-network"], [sys.executable, "-c", code, str(listener.port)])
    one_blocked_line(result, f"network disabled: socket(AF_INET) to 127.0.0.1:{listener.port} "
                             "(allow with --allow-localhost)")
    assert listener.settle().total == before


def test_a_refused_lookup_says_which_allow_domain_allows_it():
    code = "import socket\nsocket.getaddrinfo('api.invalid', 443)\n"
    result = hermetic(["--no-network", "--allow-localhost"], [sys.executable, "-c", code])
    one_blocked_line(result, "network disabled: DNS(api.invalid:443) "
                             "(allow with --allow-domain api.invalid)")


def test_a_refused_process_is_the_kernels_error(tmp_path):
    # A program that looks for a tool and carries on without it (`except OSError`).
    marker = tmp_path / "marker"
    code = ("import subprocess, sys\ntry:\n    subprocess.run(['touch', sys.argv[1]])\n"
            "except OSError as error:\n    sys.exit(0 if error.errno == 1 else 9)\n")
    result = hermetic(["--no-subprocess"], [sys.executable, "-c", code, str(marker)],
                      env={**os.environ})
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert not marker.exists()


def test_a_tree_is_removed_by_names_relative_to_its_directories(tmp_path):
    # shutil.rmtree (tempfile.TemporaryDirectory's cleanup, pip's) removes entries by name
    # relative to a directory fd: judged in that directory (the private TMPDIR here), not in the
    # read-only working directory.
    code = ("import tempfile, os\nd = tempfile.TemporaryDirectory()\n"
            "os.mkdir(d.name + '/sub')\nopen(d.name + '/sub/x', 'w').close()\nd.cleanup()\n")
    result = hermetic(["--fs-readonly"], [sys.executable, "-c", code], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def test_a_name_relative_to_a_read_only_directory_fd_is_refused(tmp_path, readonly_tree):
    # The same name exists in the writable working directory: the dir_fd decides.
    source, allowed = readonly_tree
    (allowed / "data.txt").write_text("allowed")
    code = ("import os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\n"
            "os.remove('data.txt', dir_fd=fd)\n")
    result = hermetic(["--fs-readonly", "--allow-write", str(allowed)],
                      [sys.executable, "-c", code, str(source)], cwd=allowed)
    one_blocked_line(result, f"filesystem mutation disabled: os.remove({source}/data.txt)")
    assert (source / "data.txt").read_text() == "data"
    assert (allowed / "data.txt").read_text() == "allowed"
