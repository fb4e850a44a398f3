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

Goals: at most 1 ms added per isolated test; at most 2% added for tests that need no isolation.

    .venv/bin/python bench/pytest_plugin.py [--runs N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from harness import BENCH_DIR, report, time_commands

TESTS = 500
SUITE = f"""
import pytest

@pytest.mark.parametrize("n", range({TESTS}))
def test_trivial(n):
    assert n >= 0
"""
SOCKET_VENV = BENCH_DIR / ".venvs" / "pytest-socket"


def socket_python() -> str:
    """pytest-socket with this venv's pytest version, in a venv without hermetic."""
    exe = SOCKET_VENV / "bin" / "python"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SOCKET_VENV)], check=True)
        subprocess.run([str(exe), "-m", "pip", "install", "-q", f"pytest=={pytest.__version__}",
                        "pytest-socket==0.8.1"], check=True)
    return str(exe)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hermetic-bench-") as work:
        suite = Path(work)
        (suite / "test_suite.py").write_text(SUITE)
        (suite / "pytest.ini").write_text("[pytest]\n")  # this directory is the root
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
        }
        timings = time_commands(variants, args.runs, {"PATH": "/usr/bin:/bin"}, warmup=1)
    print(report(f"{TESTS} trivial tests", timings, "bare"))
    base = timings["bare"]
    for name, value in timings.items():
        print(f"{name}: {(value - base) / TESTS * 1e3:+.3f} ms per test against bare")


if __name__ == "__main__":
    main()
