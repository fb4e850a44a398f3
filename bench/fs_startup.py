"""Startup cost of --fs-readonly=ROOT: `python3 -c pass` under hermetic against bare.

Runs are interleaved (bare, launcher only, sandboxed, bare, ...) so that drift in machine load
hits every side alike; the ratio of medians is printed. Goal (issue 3): at most 1.05. The
"launcher only" side (`hermetic -- python3 -c pass`, no rules) tells the cost of the extra
process apart from the cost of the read-only layers.

    HERMETIC_BIN=build/fs/src/cli/hermetic python3 bench/fs_startup.py [--runs N] [--python P]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(args: list[str]) -> float:
    # No timeout: with one, subprocess polls waitpid with doubling sleeps (0.5, 1.5, ... 31.5,
    # 63.5 ms) and every measurement snaps to one of those points.
    start = time.perf_counter()
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per side (default 200)")
    parser.add_argument("--python", default=shutil.which("python3") or sys.executable)
    options = parser.parse_args()

    hermetic = os.environ.get("HERMETIC_BIN") or shutil.which("hermetic")
    if not hermetic:
        print("set HERMETIC_BIN or put hermetic on PATH", file=sys.stderr)
        return 1
    # The real interpreter, so that the bare side does not pay for a pyenv shim that hermetic
    # resolves without running.
    python = os.path.realpath(options.python)
    with tempfile.TemporaryDirectory() as root:
        bare = [python, "-c", "pass"]
        sides = {
            "bare": bare,
            "launcher only": [hermetic, "--", *bare],
            "--fs-readonly=ROOT": [hermetic, f"--fs-readonly={root}", "--", *bare],
        }
        for args in sides.values():  # warm the page cache
            timed(args)
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(options.runs):
            for name, args in sides.items():
                times[name].append(timed(args))

    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"python:              {python}")
    print(f"runs per side:       {options.runs}")
    for name, median in medians.items():
        print(f"{name + ' median:':<28} {median * 1000:7.2f} ms")
    launcher = medians["launcher only"]
    print(f"ratio vs launcher only:        {medians['--fs-readonly=ROOT'] / launcher:.3f}")
    print(f"ratio:                         {medians['--fs-readonly=ROOT'] / medians['bare']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
