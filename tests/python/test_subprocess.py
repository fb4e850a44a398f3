"""Subprocess guard: every way to start a process, judged by a marker file the child would write."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pty
import shutil
import subprocess
import sys

import pytest
from hermetic import PolicyViolation, hermetic_blocker


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "ran"
    yield path
    assert not path.exists(), "a blocked child ran"


def _touch_cmd(path) -> list[str]:
    return ["/bin/sh", "-c", f"echo ran > {path}"]


CALLS = {
    "subprocess.run": lambda p: subprocess.run(_touch_cmd(p)),
    "subprocess.Popen": lambda p: subprocess.Popen(_touch_cmd(p)).wait(),
    "subprocess.check_output": lambda p: subprocess.check_output(_touch_cmd(p)),
    "os.system": lambda p: os.system(f"echo ran > {p}"),
    "os.popen": lambda p: os.popen(f"echo ran > {p}").read(),
    "os.spawnv": lambda p: os.spawnv(os.P_WAIT, "/bin/sh", _touch_cmd(p)),
    "os.posix_spawn": lambda p: os.waitpid(os.posix_spawn("/bin/sh", _touch_cmd(p), {}), 0),
    "os.fork": lambda p: os.fork(),
    "os.forkpty": lambda p: os.forkpty(),
    "pty.spawn": lambda p: pty.spawn(_touch_cmd(p)),
    "os.execv": lambda p: os.execv("/bin/sh", _touch_cmd(p)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_process_creation_is_blocked(name, marker):
    with hermetic_blocker(block_subprocess=True):
        with pytest.raises(PolicyViolation, match="subprocess disabled") as info:
            CALLS[name](marker)
    assert info.value.guard == "subprocess"


def test_posixsubprocess_fork_exec_is_blocked(marker):
    import _posixsubprocess

    with hermetic_blocker(block_subprocess=True):
        # Arguments are never looked at: the wrapper refuses first.
        with pytest.raises(PolicyViolation, match="fork_exec"):
            _posixsubprocess.fork_exec(*([None] * 23))


def test_multiprocessing_spawn_is_blocked(marker):
    ctx = multiprocessing.get_context("spawn")
    with hermetic_blocker(block_subprocess=True):
        proc = ctx.Process(target=os.getpid)
        with pytest.raises(PolicyViolation):
            proc.start()


def test_asyncio_subprocess_is_blocked(marker):
    async def main() -> None:
        proc = await asyncio.create_subprocess_exec(*_touch_cmd(marker))
        await proc.wait()

    with hermetic_blocker(block_subprocess=True):
        with pytest.raises(PolicyViolation):
            asyncio.run(main())


def test_import_subprocess_still_works_but_fresh_posixsubprocess_does_not():
    with hermetic_blocker(block_subprocess=True):
        import subprocess as again  # cached: works

        assert again is subprocess
        saved = sys.modules.pop("_posixsubprocess")
        try:
            with pytest.raises(ImportError):
                import _posixsubprocess  # noqa: F401
        finally:
            sys.modules["_posixsubprocess"] = saved


def test_subprocess_works_again_after_the_block(tmp_path):
    with hermetic_blocker(block_subprocess=True):
        pass
    path = tmp_path / "ran"
    assert subprocess.run(_touch_cmd(path)).returncode == 0
    assert path.exists()


def test_other_guards_do_not_block_subprocess(tmp_path):
    path = tmp_path / "ran"
    with hermetic_blocker(block_network=True):
        assert subprocess.run(_touch_cmd(path)).returncode == 0
    assert path.exists()


def test_allow_exec_lets_listed_programs_run(tmp_path, marker):
    out = tmp_path / "listed"
    with hermetic_blocker(block_subprocess=True, allow_exec=["sh"]):
        subprocess.run(["sh", "-c", f": > {out}"], check=True)  # a name, found on PATH
        with pytest.raises(PolicyViolation, match="allow_exec=") as info:
            subprocess.run(["touch", str(marker)])
    assert out.exists()
    assert info.value.guard == "subprocess"
    assert os.path.realpath(shutil.which("touch")) in str(info.value)


def test_allow_exec_is_checked_level_by_level(tmp_path, marker):
    with hermetic_blocker(block_subprocess=True, allow_exec=["sh"]):
        with hermetic_blocker(block_subprocess=True):
            with pytest.raises(PolicyViolation, match="subprocess disabled"):
                subprocess.run(["sh", "-c", f": > {marker}"])


def test_sealed_allow_exec_holds_in_the_kernel(tmp_path, run_python):
    ran, refused = tmp_path / "ran", tmp_path / "refused"
    result = run_python(
        f"""
        import ctypes
        from hermetic import hermetic_blocker
        with hermetic_blocker(block_subprocess=True, allow_exec=["sh"], sealed=True):
            pass
        libc = ctypes.CDLL(None)
        # libc's own fork and exec: the in-process layer sees neither, the kernel both.
        libc.system(b": > {ran}")
        libc.system(b"touch {refused}")
        """
    )
    assert result.returncode == 0, result.stderr
    assert ran.exists(), result.stderr
    assert not refused.exists()


def test_allow_exec_checks_what_fork_exec_would_run(tmp_path, marker, monkeypatch):
    """The wrapped _posixsubprocess.fork_exec: the candidates that exist must be listed (the
    missing ones of PATH's directories fail by themselves)."""
    import _posixsubprocess

    out = tmp_path / "listed"
    monkeypatch.setenv("PATH", f"{tmp_path / 'missing'}:{os.environ['PATH']}")
    with hermetic_blocker(block_subprocess=True, allow_exec=["sh"]):
        # subprocess holds the original; hand it the wrapper, with this Python's arguments.
        monkeypatch.setattr(subprocess, "_fork_exec", _posixsubprocess.fork_exec)
        subprocess.run(["sh", "-c", f": > {out}"], check=True)
        # Refused before the arguments are used (their number differs between versions).
        args = [None] * 23
        args[1] = [os.fsencode(shutil.which("touch"))]
        with pytest.raises(PolicyViolation, match="allow_exec="):
            _posixsubprocess.fork_exec(*args)
    assert out.exists()
