"""What observing costs: `hermetic learn` against a bare run and an enforced run (under the policy
learn wrote) of a git clone of a local repository and of a small pytest run (issue 15).

Variants are interleaved in one run (harness.time_commands); ratios of medians. Each learn run
writes its policy again (the same table: nothing new); each clone goes to a fresh directory.

    .venv/bin/python bench/learn.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import hermetic_bin, report, time_commands


def git_repository(path: Path, env: dict[str, str]) -> None:
    path.mkdir()
    for number in range(20):
        (path / f"file{number}.txt").write_text(f"content {number}\n" * 50)
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-q", "-m", "x"]):
        subprocess.run(command, cwd=path, env=env, check=True)


def measure(title: str, target: list[str], work: Path, env: dict[str, str], runs: int,
            fresh: str = "") -> str:
    """Times bare, learn and the enforced run of `target` from `work`; `fresh` is removed before
    each run (a clone's destination)."""
    hermetic = hermetic_bin()
    os.chdir(work)
    subprocess.run([hermetic, "learn", "--policy", "bench", "--", *target], env=env, check=True,
                   capture_output=True)
    variants = {
        "bare": target,
        "hermetic learn": [hermetic, "learn", "--policy", "bench", "--", *target],
        "hermetic --policy (enforced)": [hermetic, "--policy", "bench", "--", *target],
    }

    def prepare(_: str) -> None:
        if fresh:
            shutil.rmtree(work / fresh, ignore_errors=True)

    medians = time_commands(variants, runs, env, prepare=prepare)
    return report(title, medians, "bare")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        home = base / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@test.invalid\n")
        env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
               "PYTHONDONTWRITEBYTECODE": "1"}
        git_repository(base / "src", env)
        clone_work = base / "clone"
        clone_work.mkdir()
        print(measure("git clone of a local repository (20 files)",
                      ["git", "clone", "-q", str(base / "src"), "dest"], clone_work, env,
                      args.runs, fresh="dest"))
        tests = base / "tests"
        tests.mkdir()
        for number in range(5):
            (tests / f"test_{number}.py").write_text(
                "import json\n\n\ndef test_round_trip():\n    assert json.loads('[1]') == [1]\n")
        print(measure("pytest -q of 5 small test files",
                      [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tests,
                      env, args.runs))


if __name__ == "__main__":
    main()
