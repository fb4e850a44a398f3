"""Cost of hermetic's pytest plugin on a suite of 500 trivial tests (issue 16).

Variants, interleaved in one run (bench/harness.py), each `python -m pytest -q` on the same
suite in a scratch directory:
  bare                      this venv's pytest, hermetic's plugin not loaded (-p no:hermetic)
  hermetic, inert           the plugin loaded, nothing asked (what every run of a project pays)
  hermetic, in-process      --hermetic-block-network --hermetic-isolation=off: the audit hook's
                            level pushed around each test (a test that needs no isolation)
  hermetic, isolated        --hermetic-block-network: each test's call phase in a forked child
                            that applies the kernel layer to itself
  pytest-socket             --disable-socket, pytest-socket in a venv of its own (bench/.venvs),
                            same pytest version; its bare run is listed too
  fork floor                bare, plus a plugin that forks before each test and reaps a child
                            that exits at once: what any fork per test costs here (no kernel
                            layer, no report), the floor of "isolated"

Goals: at most 1 ms added per isolated test; at most 2% added for tests that need no isolation.

Each run is timed twice: wall time, and the CPU time of pytest with everything it waited for
(its forked children included; getrusage(RUSAGE_CHILDREN)), which other load on the machine
disturbs less than wall time.

    .venv/bin/python bench/pytest_plugin.py [--runs N]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from harness import BENCH_DIR, Timings, report

TESTS = 500
SUITE = f"""
import pytest

@pytest.mark.parametrize("n", range({TESTS}))
def test_trivial(n):
    assert n >= 0
"""
SOCKET_VENV = BENCH_DIR / ".venvs" / "pytest-socket"
FORK_FLOOR = """
import os
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
"""


def socket_python() -> str:
    """pytest-socket with this venv's pytest version, in a venv without hermetic."""
    exe = SOCKET_VENV / "bin" / "python"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SOCKET_VENV)], check=True)
        subprocess.run([str(exe), "-m", "pip", "install", "-q", f"pytest=={pytest.__version__}",
                        "pytest-socket==0.8.1"], check=True)
    return str(exe)


def time_runs(variants: Mapping[str, Sequence[str]], runs: int, env: Mapping[str, str],
              extra_env: Mapping[str, Mapping[str, str]]) -> tuple[Timings, Timings]:
    """Wall and CPU time of each command, round-robin in a shuffled order (bench/harness.py's
    time_commands, with the CPU time beside), after one round of warm-up."""
    wall: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    shuffle = random.Random(20261127).shuffle
    for i in range(1 + runs):
        shuffle(order)
        for name in order:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(variants[name], env={**env, **extra_env.get(name, {})}, check=True,
                           stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if i >= 1:
                wall[name].append(elapsed)
                cpu[name].append(after.ru_utime - before.ru_utime
                                 + after.ru_stime - before.ru_stime)
    return Timings(wall), Timings(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hermetic-bench-") as work:
        suite = Path(work)
        (suite / "test_suite.py").write_text(SUITE)
        (suite / "pytest.ini").write_text("[pytest]\n")  # this directory is the root
        (suite / "fork_floor.py").write_text(FORK_FLOOR)
        run = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
               "-p", "no:asyncio", str(suite)]
        ours, theirs = sys.executable, socket_python()
        variants = {
            "bare": [ours, *run, "-p", "no:hermetic"],
            "hermetic, inert": [ours, *run],
            "hermetic, in-process": [ours, *run, "--hermetic-block-network",
                                     "--hermetic-isolation=off"],
            "hermetic, isolated": [ours, *run, "--hermetic-block-network"],
            "pytest-socket venv, bare": [theirs, *run, "-p", "no:socket"],
            "pytest-socket --disable-socket": [theirs, *run, "--disable-socket"],
            "fork floor": [ours, *run, "-p", "no:hermetic", "-p", "fork_floor"],
        }
        wall, cpu = time_runs(variants, args.runs, {"PATH": "/usr/bin:/bin"},
                              {"fork floor": {"PYTHONPATH": str(suite)}})
    for title, timings in ((f"{TESTS} trivial tests, wall time", wall),
                           (f"{TESTS} trivial tests, CPU time", cpu)):
        print(report(title, timings, "bare"))
        base = timings["bare"]
        for name, value in timings.items():
            print(f"{name}: {(value - base) / TESTS * 1e3:+.3f} ms per test against bare")
        print()


if __name__ == "__main__":
    main()
