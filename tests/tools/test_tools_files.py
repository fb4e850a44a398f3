"""Programs that are not Python, writing files: git, gcc, tar, cp -p, touch. Each runs bare and
under every flag set that should let it run; exit status and work directory must be the same."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tool_compare import Place, Tool, matrix, same_as_bare

# git's identity and dates come from the command line and, for setup only, fixed dates: a
# scrubbed environment must not change what is committed.
GIT_ID = ["-c", "user.name=Tool Test", "-c", "user.email=tools@example.invalid",
          "-c", "init.defaultBranch=main"]
FIXED_DATES = {"GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
               "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z"}
# Git's object names hash a commit's time; the index holds inode numbers and ctimes.
GIT_VOLATILE = ("*.git/objects/*", "*.git/index", "*.git/logs/*", "*.git/refs/heads/*",
                "*.git/ORIG_HEAD", "*.git/packed-refs")


def git(*args: str | Path, cwd: Path) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), **FIXED_DATES}
    return subprocess.run(["git", *GIT_ID, *map(str, args)], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True, timeout=60).stdout


def write_project(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "README").write_text("a project\n")
    (directory / "run.sh").write_text("#!/bin/sh\necho run\n")
    (directory / "run.sh").chmod(0o755)


def repo_with_commit(place: Place, name: str = "repo") -> Path:
    repo = place.work / name
    write_project(repo)
    git("init", "-q", repo, cwd=place.work)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "first", cwd=repo)
    return repo


def git_view(repo_name: str):
    """Git's own account of a repo, read bare after the run: each commit's tree (contents and
    modes), author and subject; whether fsck finds it sound; what status reports."""

    def view(place: Place) -> object:
        repo = place.work / repo_name
        if not (repo / ".git").exists():
            return None
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(place.home)}
        out = []
        for args in (["log", "--format=%T %an <%ae> %s"], ["fsck", "--strict"],
                     ["status", "--porcelain"], ["config", "--local", "--list"]):
            proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True,
                                  text=True, timeout=60)
            out.append((args[0], proc.returncode, proc.stdout))
        return out

    return view


def setup_repo(place: Place) -> None:
    repo_with_commit(place)


def setup_commit(place: Place) -> None:
    repo = place.work / "repo"
    write_project(repo)
    git("init", "-q", repo, cwd=place.work)
    git("add", "-A", cwd=repo)


def setup_tree(place: Place) -> None:
    """A tree whose modes and times tar and cp -p must keep."""
    src = place.work / "src"
    (src / "private").mkdir(parents=True)
    files = {"src/script.sh": 0o755, "src/notes.txt": 0o644, "src/private/key": 0o600}
    for rel, mode in files.items():
        (place.work / rel).write_text(f"{rel}\n")
        (place.work / rel).chmod(mode)
    (src / "private").chmod(0o700)
    (src / "link").symlink_to("notes.txt")
    for path in [*(place.work / rel for rel in files), src / "link", src / "private", src]:
        os.utime(path, ns=(1_500_000_000_000_000_000,) * 2, follow_symlinks=False)


def setup_archive(place: Place) -> None:
    setup_tree(place)
    subprocess.run(["tar", "-cf", "tree.tar", "src"], cwd=place.work, check=True, timeout=60)
    subprocess.run(["rm", "-rf", "src"], cwd=place.work, check=True, timeout=60)
    os.utime(place.work / "tree.tar", (1_500_000_000, 1_500_000_000))
    (place.work / "out").mkdir()


def setup_old_file(place: Place) -> None:
    (place.work / "file").write_text("content\n")
    (place.work / "file").chmod(0o640)
    os.utime(place.work / "file", (1_000_000_000, 1_000_000_000))


def setup_hello_c(place: Place) -> None:
    (place.work / "hello.c").write_text(
        '#include <stdio.h>\nint main(void) { puts("hello from gcc"); return 0; }\n')


def touched_now(place: Place) -> object:
    return (place.work / "file").stat().st_mtime > 1_000_000_000


TOOLS = [
    Tool("git-init", lambda p: ["git", *GIT_ID, "init", "-q", "repo"],
         extra=git_view("repo"), creates=("repo/.git/HEAD",)),
    Tool("git-commit", lambda p: ["git", *GIT_ID, "-C", "repo", "commit", "-q", "-m", "first"],
         setup=setup_commit, volatile=GIT_VOLATILE, extra=git_view("repo"),
         creates=("repo/.git/COMMIT_EDITMSG",)),
    # cwd is work: the repo is work/repo (argv runs there).
    Tool("git-clone", lambda p: ["git", *GIT_ID, "clone", "-q", "repo", "clone"],
         setup=setup_repo, volatile=GIT_VOLATILE,
         extra=git_view("clone"), creates=("clone/run.sh",)),
    Tool("git-config", lambda p: ["git", "-C", "repo", "config", "user.name", "Someone Else"],
         setup=setup_repo, volatile=GIT_VOLATILE,
         extra=git_view("repo")),
    Tool("git-log", lambda p: ["git", "-C", "repo", "log", "--stat", "--output=../log.txt"],
         setup=setup_repo, volatile=GIT_VOLATILE,
         creates=("log.txt",)),
    # Compile, then run what was compiled: the binary must come out executable.
    Tool("gcc", lambda p: ["sh", "-c", "gcc -O1 -o hello hello.c && ./hello > out.txt"],
         setup=setup_hello_c, creates=("hello", "out.txt")),
    Tool("tar-create", lambda p: ["tar", "-cf", "tree.tar", "src"], setup=setup_tree,
         creates=("tree.tar",)),
    Tool("tar-extract", lambda p: ["tar", "-xpf", "tree.tar", "-C", "out"],
         setup=setup_archive, times=True, creates=("out/src/private/key",)),
    Tool("cp-p", lambda p: ["cp", "-p", "file", "copy"], setup=setup_old_file, times=True,
         creates=("copy",)),
    Tool("touch", lambda p: ["touch", "file"], setup=setup_old_file, extra=touched_now),
    Tool("touch-d", lambda p: ["touch", "-d", "@1600000000", "file"], setup=setup_old_file,
         times=True),
]

_LOCAL = ["fs-readonly", "no-network", "no-environment"]
# --profile block-all includes --no-subprocess: gcc (cc1, as, ld) and `sh -c`, and git clone
# (git-upload-pack), start other programs.
_STARTS_PROGRAMS = {"gcc", "git-clone"}
RUNS = {tool.name: _LOCAL + ([] if tool.name in _STARTS_PROGRAMS else ["block-all"])
        for tool in TOOLS}

# Failures of the current build, each with the item of issue 13 that fixes it; remove the entry
# with the fix (the marks are strict: a test that starts passing fails until then).
KNOWN: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize(("tool", "flag_set"), matrix(TOOLS, RUNS, KNOWN))
def test_same_status_and_effect_as_bare(tool: Tool, flag_set: str, compare) -> None:
    same_as_bare(tool, compare.bare(tool), compare.under(tool, flag_set))
