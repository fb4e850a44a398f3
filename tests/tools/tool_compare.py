"""The comparison behind tests/tools: a tool's effect on disk, the flag sets, the test matrix.

A `Tool` is one command with the files it starts from; it runs in its own `Place` (a work
directory, a HOME and a TMPDIR), bare and under hermetic, from the same path each time, so that
paths a tool writes into its files compare equal. What is compared is the exit status and the
work directory afterwards (`snapshot`), never what the tool prints about itself.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# .pyc files start with magic, flags and the source's mtime and size: the rest is the code.
_PYC_HEADER = 16


@dataclass(frozen=True)
class Place:
    """Where one run of a tool happens. `work` is the directory the tool writes (the one
    `--allow-write` names), `home` its HOME, `tmp` its TMPDIR when the run keeps TMPDIR.
    `url` is the base URL of the loopback server (or of a closed port); `shared` holds the
    session's ready-made inputs (the wheel directory, a venv template)."""

    root: Path
    url: str = ""
    shared: Mapping[str, Path] = field(default_factory=dict)

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def reset(self) -> None:
        """Empty work, home and tmp: every run starts from the same state."""
        if self.root.exists():
            shutil.rmtree(self.root)
        for d in (self.work, self.home, self.tmp):
            d.mkdir(parents=True)


def setup_venv(place: Place) -> None:
    """A copy of the session's venv, its scripts' #! lines pointing at the copy, as if the venv
    had been made here."""
    template, venv = place.shared["venv"], place.work / "venv"

    def link_or_copy(src: str, dst: str) -> None:
        # pip's own files (most of a venv) are hard links: copying them took a second a run.
        # Nothing the tests run rewrites an installed file in place.
        if "/site-packages/pip" in src or "/site-packages/setuptools" in src:
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    shutil.copytree(template, venv, symlinks=True, copy_function=link_or_copy)
    for script in (venv / "bin").iterdir():
        if not script.is_symlink() and script.read_bytes().startswith(b"#!" + bytes(template)):
            script.write_bytes(script.read_bytes().replace(bytes(template), bytes(venv), 1))


def _nothing(place: Place) -> None:
    pass


def _no_extra(place: Place) -> object:
    return None


@dataclass(frozen=True)
class Tool:
    """One tool invocation to compare.

    argv(place): the command, run with `place.work` as the current directory.
    setup(place): prepares the starting files (run bare, before the tool, every time).
    times: also compare file modification times (tools whose job is to set or keep them).
    volatile: globs (relative to work) of files whose names and contents differ from run to
      run by nature (git objects named by a hash over a timestamp, caches with mtimes):
      compared by count and modes only.
    extra(place): more of the effect, read bare after the run (git's own view of a repo).
    network: the tool contacts `place.url`; such tools also have refusal tests.
    status, creates: what the bare run must give (its exit status, paths relative to work it
      creates), so that a tool broken in both runs cannot pass as "the same".
    """

    name: str
    argv: Callable[[Place], list[str]]
    setup: Callable[[Place], None] = _nothing
    times: bool = False
    volatile: tuple[str, ...] = ()
    extra: Callable[[Place], object] = _no_extra
    network: bool = False
    status: int = 0
    creates: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name


def snapshot(root: Path, *, times: bool = False, volatile: Iterable[str] = ()) -> dict:
    """What a tool left under `root`: each path's type, permission bits and content (a link's
    target), with mtimes of files when `times`. Paths matching a `volatile` glob are folded into
    one entry per glob: the sorted (type, mode) of its matches."""
    volatile = tuple(volatile)
    state: dict = {}
    folded: dict[str, list] = {glob: [] for glob in volatile}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            st = path.lstat()
            mode = st.st_mode & 0o7777
            if path.is_symlink():
                entry: tuple = ("link", mode, os.readlink(path))
            elif path.is_dir():
                entry = ("dir", mode)
            else:
                content = path.read_bytes()
                if name.endswith(".pyc"):
                    content = content[_PYC_HEADER:]
                entry = ("file", mode, content) + ((st.st_mtime_ns,) if times else ())
            glob = next((g for g in volatile if fnmatch.fnmatch(rel, g)), None)
            if glob is None:
                state[rel] = entry
            elif entry[0] != "dir":
                folded[glob].append(entry[:2])
    for glob, entries in folded.items():
        state[f"<{glob}>"] = sorted(entries)
    return state


@dataclass(frozen=True)
class Outcome:
    """One run: exit status, effect on disk, and the output (for failure messages only)."""

    status: int
    effect: dict
    output: str

    def __str__(self) -> str:
        return f"exit {self.status}\n{self.output[-3000:]}"


def difference(bare: Outcome, ours: Outcome) -> str:
    """A short account of how two outcomes differ ('' when they do not)."""
    lines = []
    if bare.status != ours.status:
        lines.append(f"exit status: bare {bare.status}, under hermetic {ours.status}")
    for key in sorted(set(bare.effect) | set(ours.effect)):
        a, b = bare.effect.get(key), ours.effect.get(key)
        if a == b:
            continue
        if a is None or b is None:
            lines.append(f"{key}: only {'under hermetic' if a is None else 'bare'}")
        else:
            lines.append(f"{key}: bare {_short(a, b)}, under hermetic {_short(b, a)}")
    if not lines:
        return ""
    shown = lines[:20] + ([f"... and {len(lines) - 20} more"] if len(lines) > 20 else [])
    return "\n".join(shown) + f"\n--- bare: {bare}\n--- under hermetic: {ours}"


def _short(value: object, other: object) -> str:
    """One entry for a message: modes in octal, a differing content by size and offset."""
    if not isinstance(value, tuple):
        return repr(value)[:200]
    shown = []
    for i, v in enumerate(value):
        if i == 1 and isinstance(v, int):
            shown.append(oct(v))
        elif isinstance(v, bytes):
            o = other[i] if isinstance(other, tuple) and len(other) > i else b""
            same = next((k for k, (x, y) in enumerate(zip(v, o)) if x != y), min(len(v), len(o)))
            tail = v[same:same + 40]
            shown.append(v[:60] if v == o else f"<{len(v)} bytes, from {same}: {tail!r}>")
        else:
            shown.append(v)
    return repr(tuple(shown))[:300]


# --- the flag sets ------------------------------------------------------------------------

# Each flag set is hermetic's flags for one run, given the directory the tool writes.
FlagSet = Callable[[Path], list[str]]

FLAG_SETS: dict[str, FlagSet] = {
    "fs-readonly": lambda work: ["--fs-readonly", "--allow-write", str(work)],
    "no-network": lambda work: ["--no-network"],
    "allow-localhost": lambda work: ["--no-network", "--allow-localhost"],
    "allow-localhost+fs-readonly": lambda work: ["--no-network", "--allow-localhost",
                                                 "--fs-readonly", "--allow-write", str(work)],
    "no-environment": lambda work: ["--no-environment"],
    "block-native": lambda work: ["--block-native"],
    "block-all": lambda work: ["--profile", "block-all", "--allow-write", str(work)],
    "block-all+allow-localhost": lambda work: ["--profile", "block-all", "--allow-localhost",
                                               "--allow-write", str(work)],
}


def matrix(tools: Iterable[Tool], flag_sets: Mapping[str, Iterable[str]],
           known: Mapping[tuple[str, str], str]) -> list:
    """pytest params (tool, flag set name) for each tool and the flag sets named for it in
    `flag_sets[tool.name]`. `known[(tool, flag set)]` is the reason of a failure known today
    ("issue 13 item N: ..."): that param is a strict xfail, so it must fail until the fix."""
    by_name = {t.name: t for t in tools}
    params = []
    for name, sets in flag_sets.items():
        for flag_set in sets:
            assert flag_set in FLAG_SETS, flag_set
            reason = known.get((name, flag_set))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(by_name[name], flag_set, marks=marks,
                                       id=f"{name}-{flag_set}"))
    unused = set(known) - {(n, f) for n, sets in flag_sets.items() for f in sets}
    assert not unused, f"known failures of no test: {unused}"
    return params


def check_bare(tool: Tool, bare: Outcome) -> None:
    """The bare run did what the tool is for: otherwise "same as bare" proves nothing."""
    assert bare.status == tool.status, f"{tool} bare: {bare}"
    missing = [path for path in tool.creates if path not in bare.effect]
    assert not missing, f"{tool} bare did not create {missing}: {bare}"


def same_as_bare(tool: Tool, bare: Outcome, ours: Outcome) -> None:
    """Same exit status, same effect on disk."""
    check_bare(tool, bare)
    diff = difference(bare, ours)
    assert not diff, f"{tool} differs from bare:\n{diff}"
