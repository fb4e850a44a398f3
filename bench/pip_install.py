"""`pip install` of a small local wheel into a venv under `--fs-readonly --allow-write VENV`,
against bare (issue 13). Goal: at most 1.10 times bare. For scale, the same under --no-network
(the launcher and the in-process layer, no filesystem rules).

Each run installs into a fresh copy of one venv (the copy is made before the run, untimed), from
a --find-links directory holding tests/tools' tinypkg wheel; variants interleaved in one run.
A variant that does not install correctly is reported and not timed.

    .venv/bin/python bench/pip_install.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from harness import BENCH_DIR, env_with_real_python_first, hermetic_bin, report, time_commands

sys.path.insert(0, str(BENCH_DIR.parent / "tests" / "tools"))
from tiny_wheel import NAME, write_wheel  # noqa: E402

BARE = "bare pip install"
OURS = "--fs-readonly --allow-write VENV"
NO_NETWORK = "--no-network"
TITLE = "pip install of a small wheel into a venv"


def pip_env() -> dict[str, str]:
    """No pip configuration from the machine: the same install for every variant."""
    env = {k: v for k, v in env_with_real_python_first().items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull}


def site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sysconfig.get_python_version()}" / "site-packages"


def installed(venv: Path) -> str:
    """'' when tinypkg is installed and usable, else what is wrong."""
    if not (site_packages(venv) / NAME / "__init__.py").is_file():
        return "the package is missing"
    if not os.access(venv / "bin" / NAME, os.X_OK):
        return f"bin/{NAME} is not executable"
    return ""


def compiled(venv: Path) -> bool:
    """Whether pip byte-compiled the package, as it does by default (less work if not)."""
    return any((site_packages(venv) / NAME / "__pycache__").glob("*.pyc"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root_name:
        root = Path(root_name)
        wheels = root / "wheels"
        wheels.mkdir()
        write_wheel(wheels)
        template = root / "template"
        subprocess.run([sys.executable, "-m", "venv", str(template)], check=True)
        venvs = {name: root / str(i) / "venv" for i, name in enumerate((BARE, OURS, NO_NETWORK))}

        def pip(venv: Path) -> list[str]:
            return [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", "--no-index", "--find-links", str(wheels),
                    NAME]

        variants = {
            BARE: pip(venvs[BARE]),
            OURS: [hermetic_bin(), "--fs-readonly", "--allow-write", str(venvs[OURS]), "--",
                   *pip(venvs[OURS])],
            NO_NETWORK: [hermetic_bin(), "--no-network", "--", *pip(venvs[NO_NETWORK])],
        }

        def fresh_venv(name: str) -> None:
            shutil.rmtree(venvs[name].parent, ignore_errors=True)
            venvs[name].parent.mkdir()
            shutil.copytree(template, venvs[name], symlinks=True)

        env = pip_env()
        failures = []
        for name, argv in list(variants.items()):
            fresh_venv(name)
            proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
            wrong = installed(venvs[name]) if proc.returncode == 0 else f"exit {proc.returncode}"
            if wrong:
                last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
                failures.append(f"not measured: {name} does not install ({wrong}): {last}")
                del variants[name]
            elif not compiled(venvs[name]):
                failures.append(f"note: under {name} pip installs no bytecode (__pycache__ "
                                "refused), so it does less work than bare")
        if BARE not in variants or len(variants) < 2:
            sys.exit("\n".join(failures) or "bench: nothing to compare")
        medians = time_commands(variants, args.runs, env, prepare=fresh_venv)
    print("\n\n".join([report(TITLE, medians, BARE).rstrip("\n"), *failures]))


if __name__ == "__main__":
    main()
