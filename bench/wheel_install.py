"""Install time of the hermetic wheel into a fresh venv, against hermetic-seal 1.0.0's (pure
Python) into another (issue 18: "pip install in seconds"). Both install from a local file with
--no-index --no-deps, so the network plays no part: hermetic-seal's wheel is fetched once with
`pip download hermetic-seal==1.0.0`, untimed. Each run gets a fresh venv (made before the run,
untimed: `python -m venv --without-pip`); the install is `pip --python VENV/bin/python install`,
the same pip for both; variants interleaved in one run.

    .venv/bin/python bench/wheel_install.py [--runs N] [WHEEL]

WHEEL defaults to the newest of dist/hermetic-*.whl (scripts/build_wheels.sh) and
build/wheelhouse/hermetic-*manylinux*.whl (scripts/test.sh).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import BENCH_DIR, env_with_real_python_first, real_python, report, time_commands

OURS = "hermetic wheel"
SEAL = "hermetic-seal 1.0.0"
TITLE = "pip install of the wheel into a fresh venv"


def default_wheel() -> Path:
    root = BENCH_DIR.parent
    found = [*root.glob("dist/hermetic-*.whl"), *root.glob("build/wheelhouse/hermetic-*many*.whl")]
    found = [p for p in found if p.name.endswith(f"_{os.uname().machine}.whl")]
    if not found:
        sys.exit("bench: no hermetic wheel; run scripts/build_wheels.sh or scripts/test.sh")
    return max(found, key=lambda p: p.stat().st_mtime)


def pip_env() -> dict[str, str]:
    """No pip configuration from the machine: the same install for both variants."""
    env = {k: v for k, v in env_with_real_python_first().items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("wheel", nargs="?", type=Path)
    args = parser.parse_args()
    wheel = (args.wheel or default_wheel()).resolve()

    with tempfile.TemporaryDirectory(prefix="hermetic-bench-") as tmp:
        work = Path(tmp)
        seal_dir = work / "seal"
        subprocess.run([real_python(), "-m", "pip", "download", "-q", "--no-deps", "-d",
                        str(seal_dir), "hermetic-seal==1.0.0"], check=True)
        seal = next(seal_dir.iterdir())
        venvs = {OURS: work / "ours", SEAL: work / "seal-venv"}

        def fresh_venv(name: str) -> None:
            shutil.rmtree(venvs[name], ignore_errors=True)
            subprocess.run([real_python(), "-m", "venv", "--without-pip", str(venvs[name])],
                           check=True)

        variants = {
            name: [sys.executable, "-m", "pip", "--python", str(venvs[name] / "bin" / "python"),
                   "install", "-q", "--no-index", "--no-deps", str(package)]
            for name, package in ((OURS, wheel), (SEAL, seal))
        }
        medians = time_commands(variants, args.runs, pip_env(), warmup=1, prepare=fresh_venv)
        # The last install of each is a working one: hermetic's executable runs.
        version = subprocess.run([str(venvs[OURS] / "bin" / "hermetic"), "--version"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        print(f"{wheel.name} ({wheel.stat().st_size // 1024} KiB; {version}), "
              f"{seal.name} ({seal.stat().st_size // 1024} KiB)\n")
    print(report(TITLE, medians, SEAL))


if __name__ == "__main__":
    main()
