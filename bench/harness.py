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
    say how far a ratio of medians would move on a rerun; and the CPU time (user + system) of
    each run, the command's and its waited-for children's, which the machine's other load
    disturbs far less than the wall time (a loaded 2-core VM makes every wake-up wait)."""

    def __init__(self, samples: Mapping[str, list[float]],
                 cpu_samples: Mapping[str, list[float]] | None = None) -> None:
        super().__init__({name: statistics.median(values) for name, values in samples.items()})
        self.samples = dict(samples)
        self.cpu_samples = dict(cpu_samples or {})

    def ratio_interval(self, name: str, baseline: str, resamples: int = 1000,
                       cpu: bool = False) -> tuple[float, float]:
        """95% bootstrap interval of median(name) / median(baseline), of the wall times or of
        the CPU times."""
        rng = random.Random(20261127)
        samples = self.cpu_samples if cpu else self.samples
        ours, base = samples[name], samples[baseline]
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
    cpu_samples: dict[str, list[float]] = {name: [] for name in variants}
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
            proc = subprocess.Popen(argv, env=envs[name], stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)  # as subprocess.run waits, with rusage
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                raise subprocess.CalledProcessError(proc.returncode, argv)
            if i >= warmup:
                samples[name].append(elapsed)
                cpu_samples[name].append(usage.ru_utime + usage.ru_stime)
    return Timings(samples, cpu_samples)


def report(title: str, medians: Mapping[str, float], baseline: str, unit: float = 1e3,
           unit_name: str = "ms", cpu: bool = False) -> str:
    """A Markdown table: median and ratio to `baseline` for each variant; from Timings, also the
    ratio's 95% bootstrap interval (this VM's run-to-run noise is of the order of the goals),
    and with `cpu` the same for the CPU times, and the load average the run ended with."""
    spread = isinstance(medians, Timings)
    with_cpu = cpu and isinstance(medians, Timings) and bool(medians.cpu_samples)
    head = f"| variant | median ({unit_name}) | ratio to {baseline} |"
    rule = "|---|---:|---:|" + ("---:|" if spread else "")
    if spread:
        head += " 95% interval |"
    if with_cpu:
        head += f" CPU ({unit_name}) | CPU ratio | 95% interval |"
        rule += "---:|---:|---:|"
    lines = [f"### {title}", "", head, rule]
    base = medians[baseline]
    for name, value in medians.items():
        row = f"| {name} | {value * unit:.2f} | {value / base:.3f} |"
        if isinstance(medians, Timings) and name != baseline:
            low, high = medians.ratio_interval(name, baseline)
            row += f" {low:.3f}–{high:.3f} |"
        elif spread:
            row += " |"
        if with_cpu and isinstance(medians, Timings):
            ours = statistics.median(medians.cpu_samples[name])
            theirs = statistics.median(medians.cpu_samples[baseline])
            row += f" {ours * unit:.2f} | {ours / theirs:.3f} |"
            if name != baseline:
                low, high = medians.ratio_interval(name, baseline, cpu=True)
                row += f" {low:.3f}–{high:.3f} |"
            else:
                row += " |"
        lines.append(row)
    if with_cpu:
        lines += ["", f"(load average at the end: {os.getloadavg()[0]:.1f})"]
    return "\n".join(lines) + "\n"
