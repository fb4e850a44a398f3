"""Filesystem guard: writes denied with fs_readonly, reads confined with fs_root."""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
import tempfile

import pytest
from hermetic import PolicyViolation, hermetic_blocker


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "a.txt").write_text("inside")
    (tmp_path / "outside.txt").write_text("outside")
    os.symlink(tmp_path / "outside.txt", tmp_path / "inside" / "link.txt")
    return tmp_path


WRITES = {
    "open w": lambda t: open(t / "new.txt", "w"),
    "open a": lambda t: open(t / "outside.txt", "a"),
    "open r+": lambda t: open(t / "outside.txt", "r+"),
    "open x": lambda t: open(t / "x.txt", "x"),
    "io.open wb": lambda t: open(t / "new.bin", "wb"),
    "os.open O_WRONLY": lambda t: os.open(t / "outside.txt", os.O_WRONLY),
    "os.open O_CREAT": lambda t: os.open(t / "new", os.O_RDONLY | os.O_CREAT),
    "Path.write_text": lambda t: (t / "new.txt").write_text("x"),
    "Path.touch": lambda t: (t / "new.txt").touch(),
    "os.remove": lambda t: os.remove(t / "outside.txt"),
    "os.unlink": lambda t: os.unlink(t / "outside.txt"),
    "os.rename": lambda t: os.rename(t / "outside.txt", t / "moved.txt"),
    "os.replace": lambda t: os.replace(t / "outside.txt", t / "moved.txt"),
    "os.mkdir": lambda t: os.mkdir(t / "d"),
    "os.makedirs": lambda t: os.makedirs(t / "d" / "e"),
    "os.rmdir": lambda t: os.rmdir(t / "inside"),
    "os.truncate": lambda t: os.truncate(t / "outside.txt", 0),
    "os.chmod": lambda t: os.chmod(t / "outside.txt", 0o600),
    # By fd: the guard names the file through /proc and checks it like a path.
    "os.chmod(fd)": lambda t: os.chmod(os.open(t / "outside.txt", os.O_RDONLY), 0o600),
    "os.utime(fd)": lambda t: os.utime(os.open(t / "outside.txt", os.O_RDONLY)),
    "os.chown": lambda t: os.chown(t / "outside.txt", os.getuid(), os.getgid()),
    "os.utime": lambda t: os.utime(t / "outside.txt"),
    "os.symlink": lambda t: os.symlink(t / "outside.txt", t / "l2"),
    "os.link": lambda t: os.link(t / "outside.txt", t / "l3"),
    "shutil.copy": lambda t: shutil.copy(t / "outside.txt", t / "copy.txt"),
    "shutil.rmtree": lambda t: shutil.rmtree(t / "inside"),
    "shutil.move": lambda t: shutil.move(t / "outside.txt", t / "moved.txt"),
    "tempfile.mkstemp": lambda t: tempfile.mkstemp(dir=t),
    "tempfile.TemporaryFile": lambda t: tempfile.TemporaryFile(dir=t),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_writes_are_blocked(name, tree):
    before = sorted(p.name for p in tree.rglob("*"))
    with hermetic_blocker(fs_readonly=True):
        with pytest.raises(PolicyViolation) as info:
            WRITES[name](tree)
    assert info.value.guard == "filesystem"
    assert sorted(p.name for p in tree.rglob("*")) == before
    assert (tree / "outside.txt").read_text() == "outside"


def test_reads_stay_allowed(tree):
    with hermetic_blocker(fs_readonly=True):
        assert open(tree / "outside.txt", "rb").read() == b"outside"
        assert (tree / "inside" / "a.txt").read_text() == "inside"
        assert sorted(os.listdir(tree)) == ["inside", "outside.txt"]
        fd = os.open(tree / "outside.txt", os.O_RDONLY)
        os.close(fd)


def test_writes_work_again_after_the_block(tree):
    with hermetic_blocker(fs_readonly=True):
        pass
    (tree / "new.txt").write_text("ok")
    assert (tree / "new.txt").read_text() == "ok"


def test_fs_root_confines_reads_and_listings(tree):
    root = tree / "inside"
    with hermetic_blocker(fs_readonly=True, fs_root=str(root)):
        assert (root / "a.txt").read_text() == "inside"
        assert sorted(os.listdir(root)) == ["a.txt", "link.txt"]
        for attempt in (
            lambda: open(tree / "outside.txt").read(),
            lambda: open(root / "link.txt").read(),  # a symlink out of the root
            lambda: open(root / ".." / "outside.txt").read(),
            lambda: os.listdir(tree),
            lambda: list(os.scandir(tree)),
        ):
            with pytest.raises(PolicyViolation, match="read outside sandbox root") as info:
                attempt()
            assert isinstance(info.value, PermissionError)


def test_fs_root_alone_implies_readonly(tree):
    with hermetic_blocker(fs_root=str(tree)):
        with pytest.raises(PolicyViolation):
            open(tree / "new.txt", "w")


def test_imports_work_when_bytecode_cannot_be_written(tmp_path, capsys):
    pkg = tmp_path / "fresh_mod_for_pyc.py"
    pkg.write_text("VALUE = 42\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with hermetic_blocker(fs_readonly=True, trace=True):
            import fresh_mod_for_pyc  # type: ignore[import-not-found]

            assert fresh_mod_for_pyc.VALUE == 42
        assert not (tmp_path / "__pycache__").exists()
        assert "blocked action" not in capsys.readouterr().err
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("fresh_mod_for_pyc", None)


def test_imports_work_under_fs_root(tmp_path):
    with hermetic_blocker(fs_root=str(tmp_path)):
        import wave  # not yet imported: read from the stdlib, outside the root

        assert wave.__name__ == "wave"


def test_pathlib_reads_inside_root(tree):
    root = tree / "inside"
    with hermetic_blocker(fs_root=str(root)):
        assert pathlib.Path(root, "a.txt").read_bytes() == b"inside"
