"""Python tools that work on local files: pip (from a --find-links directory), python -m venv,
shutil.copy2, pytest, black, mypy, python -m json.tool, asyncio. Each runs bare and under every
flag set that should let it run; exit status and work directory must be the same."""

from __future__ import annotations

import os
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from tiny_wheel import NAME
from tool_compare import Place, Tool, matrix, same_as_bare, setup_venv

PYTHON = sys.executable
BIN = Path(sys.executable).parent  # black, mypy: console scripts of the test venv
SITE = f"venv/lib/python{sysconfig.get_python_version()}/site-packages"


def pip_install(place: Place, *source: str) -> list[str]:
    # The console script, as users run it (`python -m pip` also edits sys.path, which
    # --no-interpreter-mutation refuses by design).
    return [str(place.work / "venv/bin/pip"), "install", "--disable-pip-version-check",
            *source, NAME]


def setup_old_file(place: Place) -> None:
    (place.work / "file").write_text("content\n")
    (place.work / "file").chmod(0o640)
    os.utime(place.work / "file", (1_000_000_000, 1_000_000_000))


def setup_tests(place: Place) -> None:
    (place.work / "pytest.ini").write_text("[pytest]\n")
    (place.work / "test_sample.py").write_text(textwrap.dedent("""\
        def test_writes_to_tmp_path(tmp_path):
            (tmp_path / "f").write_text("x")
            assert (tmp_path / "f").read_text() == "x"

        def test_fails_on_purpose():
            assert 1 + 1 == 3
        """))


UGLY = "x = {  'a':37,'b':42,\n'c':927}\ndef f(a,):\n  return a\n"


def setup_sources(place: Place) -> None:
    (place.work / "ugly.py").write_text(UGLY)
    (place.work / "good.py").write_text("x = 1\n")


def setup_typed(place: Place) -> None:
    (place.work / "mod.py").write_text("def f(x: int) -> str:\n    return x\n")


def setup_json(place: Place) -> None:
    (place.work / "in.json").write_text('{"b": [1, 2, {"c": null}], "a": "\\u00e9"}')


ASYNCIO = """\
import asyncio

async def square(n):
    await asyncio.sleep(0)
    return await asyncio.to_thread(pow, n, 2)

async def main():
    results = await asyncio.gather(*(square(n) for n in range(5)))
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: open("out.txt", "w").write(repr(results)))

asyncio.run(main())
"""

TOOLS = [
    Tool("pip-find-links",
         lambda p: pip_install(p, "--no-index", "--find-links", str(p.shared["wheels"])),
         setup=setup_venv, creates=(f"{SITE}/{NAME}/__init__.py", f"venv/bin/{NAME}")),
    Tool("venv", lambda p: [PYTHON, "-m", "venv", "--without-pip", "env"],
         creates=("env/pyvenv.cfg", "env/bin/python")),
    Tool("shutil-copy2", lambda p: [PYTHON, "-c", "import shutil; shutil.copy2('file', 'copy')"],
         setup=setup_old_file, times=True, creates=("copy",)),
    # One test passes (writing to tmp_path), one fails: exit 1 and a lastfailed cache.
    Tool("pytest", lambda p: [PYTHON, "-m", "pytest", "-q", "test_sample.py"],
         setup=setup_tests, status=1, creates=(".pytest_cache/v/cache/lastfailed",)),
    Tool("black-check", lambda p: [str(BIN / "black"), "--check", "ugly.py", "good.py"],
         setup=setup_sources, status=1),
    Tool("black-reformat", lambda p: [str(BIN / "black"), "-q", "ugly.py"],
         setup=setup_sources),
    # The cache holds mtimes of what it checked: compared by count and modes.
    Tool("mypy", lambda p: [str(BIN / "mypy"), "mod.py"], setup=setup_typed, status=1,
         volatile=(".mypy_cache/*",), creates=(".mypy_cache",)),
    Tool("json-tool", lambda p: [PYTHON, "-m", "json.tool", "--sort-keys", "in.json",
                                 "out.json"], setup=setup_json, creates=("out.json",)),
    Tool("asyncio", lambda p: [PYTHON, "-c", ASYNCIO], creates=("out.txt",)),
]

_EVERYWHERE = ["fs-readonly", "no-network", "no-environment", "block-native", "block-all"]
# --profile block-all refuses by design what these do: black and mypy are compiled with mypyc
# (third-party native code, --block-native); pip's vendored six runs exec() on a string when
# imported (--no-code-exec); pytest's assertion rewriting adds an import hook to sys.meta_path
# (--no-interpreter-mutation).
_NOT_BLOCK_ALL = ["fs-readonly", "no-network", "no-environment", "block-native"]
# pip starts programs (its vendored distro runs `uname -rs`): under --block-native no dynamically
# linked child can start, since the no-executable-memory rule is inherited and the loader maps
# libc with it (refused up front, docs/inprocess.md; the kernel cannot tell the two apart).
_STARTS_PROGRAMS = ["fs-readonly", "no-network", "no-environment"]
_COMPILED = ["fs-readonly", "no-network", "no-environment"]
RUNS = {
    "pip-find-links": _STARTS_PROGRAMS,
    "venv": _EVERYWHERE,
    "shutil-copy2": _EVERYWHERE,
    "pytest": _NOT_BLOCK_ALL,
    "black-check": _COMPILED,
    "black-reformat": _COMPILED,
    "mypy": _COMPILED,
    "json-tool": _EVERYWHERE,
    "asyncio": _EVERYWHERE,
}


# Failures of the current build, each with what fixes it; remove the entry with the fix (the
# marks are strict: a test that starts passing fails until then).
KNOWN: dict[tuple[str, str], str] = {
}


@pytest.mark.parametrize(("tool", "flag_set"), matrix(TOOLS, RUNS, KNOWN))
def test_same_status_and_effect_as_bare(tool: Tool, flag_set: str, compare) -> None:
    same_as_bare(tool, compare.bare(tool), compare.under(tool, flag_set))
