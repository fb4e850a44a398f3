"""Startup cost of --fs-readonly=ROOT: `python3 -c pass` under hermetic against bare.

Runs are interleaved (bare, sandboxed, bare, ...) so that drift in machine load hits both
sides alike; the ratio of medians is printed. Goal (issue 3): at most 1.05.

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
    start = time.perf_counter()
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, timeout=60)
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
        sandboxed = [hermetic, f"--fs-readonly={root}", "--", *bare]
        for args in (bare, sandboxed):  # warm the page cache
            timed(args)
        bare_times, sandboxed_times = [], []
        for _ in range(options.runs):
            bare_times.append(timed(bare))
            sandboxed_times.append(timed(sandboxed))

    bare_median = statistics.median(bare_times)
    sandboxed_median = statistics.median(sandboxed_times)
    print(f"python:              {python}")
    print(f"runs per side:       {options.runs}")
    print(f"bare median:         {bare_median * 1000:.2f} ms")
    print(f"--fs-readonly=ROOT:  {sandboxed_median * 1000:.2f} ms")
    print(f"ratio:               {sandboxed_median / bare_median:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
