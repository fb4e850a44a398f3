"""Start-up cost of `python3 -c pass` under --no-network --no-subprocess (issue 2).

Compares bare Python, hermetic and hermetic-seal 1.0.0 running the same command, interleaved in
one run. Goal: hermetic at most 1.05 times bare, with the flags and with the same policy read
from a policy file (issue 15: the file's parsing included).

    .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness import env_with_real_python_first, hermetic_bin, report, seal_bin, time_commands

FLAGS = ["--no-network", "--no-subprocess"]
TARGET = ["python3", "-c", "pass"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    # The same two blocks as a policy file (parsed on every run, as --policy does).
    with tempfile.TemporaryDirectory() as project:
        (Path(project) / "hermetic.toml").write_text(
            "[policies.offline]\nblock_network = true\nblock_subprocess = true\n")
        run(args.runs, project)


def run(runs: int, project: str) -> None:
    variants = {
        "bare python3 -c pass": TARGET,
        "hermetic": [hermetic_bin(), *FLAGS, "--", *TARGET],
        "hermetic --policy (the flags from hermetic.toml)":
            [hermetic_bin(), f"--policy-file={project}/hermetic.toml", "--policy=offline", "--",
             *TARGET],
        # Where the ratio comes from: the kernel layer alone (no in-process layer injected).
        "hermetic, kernel layer only": [hermetic_bin(), *FLAGS, "--", *TARGET],
        "hermetic-seal 1.0.0": [seal_bin(), *FLAGS, "--", *TARGET],
    }
    medians = time_commands(variants, runs, env_with_real_python_first(),
                            extra_env={"hermetic, kernel layer only": {"HERMETIC_INPROCESS": "0"}})
    print(report("python3 -c pass under --no-network --no-subprocess", medians,
                 "bare python3 -c pass", cpu=True))


if __name__ == "__main__":
    main()
