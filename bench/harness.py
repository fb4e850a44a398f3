"""Shared benchmark helpers: interleaved timing of whole commands, and the reference venvs.

Variants are timed round-robin in one run (bare, hermetic, hermetic-seal, ...), so machine
noise hits all of them alike and the ratios are comparable. Run by hand; never from tests.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SEAL_VENV = BENCH_DIR / ".venvs" / "seal"


def real_python() -> str:
    """The interpreter itself, not a pyenv shim (a shim would add bash start-up to every run)."""
    return os.path.realpath(sys.executable)


def env_with_real_python_first() -> dict[str, str]:
    """PATH with the real interpreter's directory first, so `python3` needs no shim."""
    env = dict(os.environ)
    env["PATH"] = str(Path(real_python()).parent) + os.pathsep + env.get("PATH", "")
    return env


def hermetic_bin() -> str:
    found = os.environ.get("HERMETIC_BIN") or shutil.which("hermetic")
    if not found:
        sys.exit("bench: no hermetic on PATH; run scripts/setup.sh and use .venv/bin/python")
    return found


def seal_bin() -> str:
    """hermetic-seal 1.0.0 (the original) in a venv of its own: both packages are `hermetic`."""
    exe = SEAL_VENV / "bin" / "hermetic"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SEAL_VENV)], check=True)
        # httpie too, for the tool benchmark: each side runs its own copy of the tool.
        subprocess.run([str(SEAL_VENV / "bin" / "pip"), "install", "-q", "hermetic-seal==1.0.0",
                        "httpie"], check=True)
    return str(exe)


def time_commands(variants: Mapping[str, Sequence[str]], runs: int, env: Mapping[str, str],
                  warmup: int = 3,
                  extra_env: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, float]:
    """Median wall time in seconds of each command, each run once per round for `runs` rounds.
    The order within a round is shuffled (seeded): run in a fixed order, a variant's time
    depends on which one ran just before it (caches, frequency), and on this VM that bias was
    as large as the differences measured. `extra_env[name]` is added to the environment of that
    variant only. (No timeout: with one, subprocess polls with doubling sleeps and every time
    snaps to a polling step.)"""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    envs = {name: {**env, **(extra_env or {}).get(name, {})} for name in variants}
    order = list(variants)
    shuffle = random.Random(20261127).shuffle
    for i in range(warmup + runs):
        shuffle(order)
        for name in order:
            argv = variants[name]
            start = time.perf_counter()
            subprocess.run(argv, env=envs[name], check=True, stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if i >= warmup:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, medians: Mapping[str, float], baseline: str, unit: float = 1e3,
           unit_name: str = "ms") -> str:
    """A Markdown table: median and ratio to `baseline` for each variant."""
    lines = [f"### {title}", "", f"| variant | median ({unit_name}) | ratio to {baseline} |",
             "|---|---:|---:|"]
    base = medians[baseline]
    for name, value in medians.items():
        lines.append(f"| {name} | {value * unit:.2f} | {value / base:.2f} |")
    return "\n".join(lines) + "\n"
