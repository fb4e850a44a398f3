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
from collections.abc import Callable, Mapping, Sequence
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


class Timings(dict[str, float]):
    """Median wall time in seconds of each variant, with every sample kept, so that a report can
    say how far a ratio of medians would move on a rerun."""

    def __init__(self, samples: Mapping[str, list[float]]) -> None:
        super().__init__({name: statistics.median(values) for name, values in samples.items()})
        self.samples = dict(samples)

    def ratio_interval(self, name: str, baseline: str,
                       resamples: int = 1000) -> tuple[float, float]:
        """95% bootstrap interval of median(name) / median(baseline)."""
        rng = random.Random(20261127)
        ours, base = self.samples[name], self.samples[baseline]
        ratios = sorted(
            statistics.median(rng.choices(ours, k=len(ours)))
            / statistics.median(rng.choices(base, k=len(base)))
            for _ in range(resamples)
        )
        return ratios[int(0.025 * resamples)], ratios[int(0.975 * resamples) - 1]


def time_commands(variants: Mapping[str, Sequence[str]], runs: int, env: Mapping[str, str],
                  warmup: int = 3,
                  extra_env: Mapping[str, Mapping[str, str]] | None = None,
                  prepare: Callable[[str], None] | None = None) -> Timings:
    """Median wall time in seconds of each command, each run once per round for `runs` rounds.
    The order within a round is shuffled (seeded): run in a fixed order, a variant's time
    depends on which one ran just before it (caches, frequency), and on this VM that bias was
    as large as the differences measured. `extra_env[name]` is added to the environment of that
    variant only. `prepare(name)`, untimed, runs before each run of a variant (a command that
    changes what it works on, such as an install, gets a fresh copy). (No timeout: with one,
    subprocess polls with doubling sleeps and every time snaps to a polling step.)"""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    envs = {name: {**env, **(extra_env or {}).get(name, {})} for name in variants}
    order = list(variants)
    shuffle = random.Random(20261127).shuffle
    for i in range(warmup + runs):
        shuffle(order)
        for name in order:
            argv = variants[name]
            if prepare is not None:
                prepare(name)
            start = time.perf_counter()
            subprocess.run(argv, env=envs[name], check=True, stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if i >= warmup:
                samples[name].append(elapsed)
    return Timings(samples)


def report(title: str, medians: Mapping[str, float], baseline: str, unit: float = 1e3,
           unit_name: str = "ms") -> str:
    """A Markdown table: median and ratio to `baseline` for each variant; from Timings, also the
    ratio's 95% bootstrap interval (this VM's run-to-run noise is of the order of the goals)."""
    spread = isinstance(medians, Timings)
    head = f"| variant | median ({unit_name}) | ratio to {baseline} |"
    lines = [f"### {title}", "", head + (" 95% interval |" if spread else ""),
             "|---|---:|---:|" + ("---:|" if spread else "")]
    base = medians[baseline]
    for name, value in medians.items():
        row = f"| {name} | {value * unit:.2f} | {value / base:.3f} |"
        if isinstance(medians, Timings) and name != baseline:
            low, high = medians.ratio_interval(name, baseline)
            row += f" {low:.3f}–{high:.3f} |"
        elif spread:
            row += " |"
        lines.append(row)
    return "\n".join(lines) + "\n"
