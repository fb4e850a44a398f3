"""Python tools under the CLI (issue 6): `http --version` and `python3 -c pass` under
--no-network, against bare and against hermetic-seal 1.0.0, interleaved in one run.
Goal: hermetic at most 1.05 times bare.

    .venv/bin/python bench/cli_tools.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from harness import (
    SEAL_VENV,
    env_with_real_python_first,
    hermetic_bin,
    report,
    seal_bin,
    time_commands,
)


def http_for(venv_bin: Path) -> str:
    found = venv_bin / "http"
    if not found.exists():
        sys.exit(f"bench: no httpie in {venv_bin}; pip install httpie there")
    return str(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=150)
    args = parser.parse_args()
    seal = seal_bin()
    ours_http = shutil.which("http") or sys.exit("bench: httpie is not installed here")
    seal_http = http_for(SEAL_VENV / "bin")
    env = env_with_real_python_first()
    out = []
    http = {
        "bare http --version": [ours_http, "--version"],
        "hermetic": [hermetic_bin(), "--no-network", "--", ours_http, "--version"],
        "hermetic-seal 1.0.0": [seal, "--no-network", "--", seal_http, "--version"],
    }
    out.append(report("http --version under --no-network",
                      time_commands(http, args.runs, env), "bare http --version"))
    target = ["python3", "-c", "pass"]
    python = {
        "bare python3 -c pass": target,
        "hermetic": [hermetic_bin(), "--no-network", "--", *target],
        "hermetic-seal 1.0.0": [seal, "--no-network", "--", *target],
    }
    out.append(report("python3 -c pass under --no-network",
                      time_commands(python, args.runs, env), "bare python3 -c pass"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
