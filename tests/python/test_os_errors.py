"""A refusal is also the error the kernel would give: programs' own `except OSError` handling
works (best-effort caches, exist_ok, a client's failed connection), while `except
PolicyViolation` keeps working for hermetic-seal's users. Judged by what happened on disk and at
the listener, and by which handler ran."""

from __future__ import annotations

import errno
import json
import os
import pathlib
import pickle
import shutil
import socket
import subprocess
import tempfile

import pytest
from hermetic import PolicyViolation, hermetic_blocker
from hermetic.errors import PermissionPolicyViolation, ReadOutsideRootViolation


def test_a_refused_write_is_the_kernels_permission_error(tmp_path):
    target = tmp_path / "new.txt"
    with hermetic_blocker(fs_readonly=True):
        try:
            open(target, "w")
        except OSError as error:  # the handler under test
            caught = error
    assert not target.exists()
    assert isinstance(caught, PermissionError) and isinstance(caught, PolicyViolation)
    assert caught.errno == errno.EACCES and caught.filename == str(target)
    assert caught.guard == "filesystem"
    assert str(caught).startswith(f"filesystem readonly: {target}")


def test_makedirs_of_an_existing_directory_succeeds(tmp_path):
    existing = tmp_path / "a" / "b"
    existing.mkdir(parents=True)
    before = sorted(tmp_path.rglob("*"))
    with hermetic_blocker(fs_readonly=True):
        os.makedirs(existing, exist_ok=True)
        existing.mkdir(parents=True, exist_ok=True)
        with pytest.raises(FileExistsError):
            os.mkdir(existing)  # what the kernel answers: it exists, nothing to refuse
        with pytest.raises(PermissionError):
            os.makedirs(existing / "c", exist_ok=True)  # a new one is still refused
    assert sorted(tmp_path.rglob("*")) == before


def test_mkdir_relative_to_a_dir_fd_is_judged_even_when_the_name_exists_here(tmp_path):
    # The pass-through for an existing path must not look in the wrong directory.
    other = tmp_path / "other"
    other.mkdir()
    (tmp_path / "here").mkdir()
    fd = os.open(other, os.O_RDONLY)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with hermetic_blocker(fs_readonly=True):
            with pytest.raises(PermissionError):
                os.mkdir("here", dir_fd=fd)
    finally:
        os.chdir(cwd)
        os.close(fd)
    assert not (other / "here").exists()


BEST_EFFORT_CACHE = """\
def write_cache(directory, data):
    # As pytest's cacheprovider and black do: a cache that cannot be written is skipped.
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, delete=False) as f:
            f.write(data)
    except OSError:
        return False
    return True
"""


def test_a_best_effort_cache_is_skipped(tmp_path):
    namespace: dict = {"tempfile": tempfile}
    exec(BEST_EFFORT_CACHE, namespace)
    with hermetic_blocker(fs_readonly=True):
        assert namespace["write_cache"](tmp_path / "cache", b"x") is False
    assert not (tmp_path / "cache").exists()


def test_a_refused_connection_is_the_kernels_permission_error(listener):
    with hermetic_blocker(block_network=True):
        with pytest.raises(OSError) as info:
            socket.create_connection(listener.address, timeout=5)
    assert listener.settled_count() == 0
    assert isinstance(info.value, PolicyViolation) and info.value.errno == errno.EACCES
    assert info.value.filename is None


def test_a_refused_process_is_the_kernels_permission_error(tmp_path):
    marker = tmp_path / "marker"
    with hermetic_blocker(block_subprocess=True):
        with pytest.raises(OSError) as info:
            subprocess.run(["/bin/sh", "-c", f"touch {marker}"], check=False)
    assert not marker.exists()
    assert isinstance(info.value, PolicyViolation) and info.value.errno == errno.EPERM


def test_the_classes_keep_hermetic_seals_face():
    denied = PermissionPolicyViolation("filesystem readonly: /x", guard="filesystem",
                                       filename="/x")
    assert str(denied) == "filesystem readonly: /x"
    assert (denied.errno, denied.strerror, denied.filename) == (
        errno.EACCES, "filesystem readonly: /x", "/x")
    assert issubclass(ReadOutsideRootViolation, PermissionPolicyViolation)
    again = pickle.loads(pickle.dumps(denied))
    assert (type(again), str(again), again.errno, again.filename, again.guard) == (
        PermissionPolicyViolation, str(denied), errno.EACCES, "/x", "filesystem")


def test_copyfile_is_judged_by_its_destination(tmp_path):
    # Under the API every write is refused: the message names the destination, not the source.
    source = tmp_path / "src.txt"
    source.write_text("data")
    with hermetic_blocker(fs_readonly=True):
        with pytest.raises(PermissionError) as info:
            shutil.copyfile(source, tmp_path / "dst.txt")
    assert info.value.filename == str(tmp_path / "dst.txt")
    assert not (tmp_path / "dst.txt").exists()


def test_a_read_outside_the_root_names_the_path(tmp_path):
    (tmp_path / "root").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    with hermetic_blocker(fs_root=str(tmp_path / "root")):
        with pytest.raises(OSError) as info:
            pathlib.Path(secret).read_text()
    assert isinstance(info.value, ReadOutsideRootViolation) and info.value.filename == str(secret)


def test_hints_name_the_python_keyword(listener):
    with hermetic_blocker(block_network=True):
        with pytest.raises(PolicyViolation) as refused:
            socket.create_connection(listener.address, timeout=5)
        with pytest.raises(PolicyViolation) as lookup:
            socket.getaddrinfo("api.invalid", 443)
    assert listener.settled_count() == 0
    assert str(refused.value) == (f"network disabled: socket(AF_INET) to 127.0.0.1:{listener.port}"
                                  " (allow with allow_localhost=True)")
    assert str(lookup.value) == ('network disabled: DNS(api.invalid:443) '
                                 '(allow with allow_domains=["api.invalid"])')


def test_a_connect_names_its_destination_and_how_to_allow_it(listener):
    with hermetic_blocker(block_network=True, allow_domains=["api.invalid"]):
        with pytest.raises(PolicyViolation) as info:
            socket.create_connection(listener.address, timeout=5)
    assert listener.settled_count() == 0
    assert str(info.value) == (f"network disabled: connect(127.0.0.1:{listener.port}) "
                               "(allow with allow_localhost=True)")


@pytest.fixture
def writable_level(tmp_path):
    """A level that keeps one directory writable, as the CLI's policy does (the Python API has no
    allow_write keyword): pushed in its JSON form, popped afterwards."""
    from hermetic import _hermetic

    allowed = tmp_path / "allowed"
    allowed.mkdir()
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    (readonly / "data.txt").write_text("data")
    (readonly / "sub").mkdir()
    (readonly / "sub" / "f").write_text("kept")
    token = _hermetic.push_json(json.dumps({"fs_readonly": True, "allow_write": [str(allowed)]}))
    cwd = os.getcwd()
    os.chdir(readonly)  # names that are not paths must not be judged as files here
    try:
        yield readonly, allowed
    finally:
        os.chdir(cwd)
        _hermetic.pop(token)


def test_arguments_that_are_not_paths_are_not_judged_as_paths(writable_level):
    readonly, allowed = writable_level
    target = allowed / "f"
    target.write_text("x")
    shutil.make_archive(str(allowed / "archive"), "gztar", root_dir=readonly)  # "gztar": a format
    os.utime(target, (0, 0))
    shutil.chown(target, user=os.getuid())  # a user, not a path
    assert (allowed / "archive.tar.gz").exists() and target.stat().st_mtime == 0


def test_a_source_is_read_and_a_destination_written(writable_level):
    readonly, allowed = writable_level
    shutil.copyfile(readonly / "data.txt", allowed / "copy.txt")
    shutil.copytree(readonly, allowed / "tree")  # copystat: chmod and utime of the destination
    shutil.unpack_archive(shutil.make_archive(str(allowed / "a"), "tar", root_dir=readonly),
                          allowed / "unpacked")
    with pytest.raises(PermissionError):
        shutil.copyfile(allowed / "copy.txt", readonly / "back.txt")
    assert (allowed / "copy.txt").read_text() == "data"
    assert (allowed / "tree" / "data.txt").read_text() == "data"
    assert (allowed / "unpacked" / "data.txt").read_text() == "data"
    assert sorted(p.name for p in readonly.iterdir()) == ["data.txt", "sub"]


def test_a_tree_is_removed_by_names_relative_to_its_directories(writable_level):
    readonly, allowed = writable_level
    (allowed / "tree" / "sub").mkdir(parents=True)
    (allowed / "tree" / "sub" / "f").write_text("x")
    shutil.rmtree(allowed / "tree")  # readonly/sub/f: the same names, in the working directory
    assert not (allowed / "tree").exists()
    assert (readonly / "sub" / "f").read_text() == "kept"
