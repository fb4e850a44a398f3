"""Start-up cost of --fs-readonly=ROOT: `python3 -c pass` under hermetic against bare (issue 3).

Variants are interleaved in one run (see harness.time_commands); ratios of medians. Goal: at most
1.05. Besides the full run, rows that tell the parts apart: the launcher alone (no rules) and the
kernel layer alone (no in-process layer).

    .venv/bin/python bench/fs_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import tempfile

from harness import env_with_real_python_first, hermetic_bin, real_python, report, time_commands

TARGET = ["-c", "pass"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    python = real_python()  # hermetic resolves a pyenv shim without running it; bare would not
    bare = [python, *TARGET]
    with tempfile.TemporaryDirectory() as root:
        rooted = [hermetic_bin(), f"--fs-readonly={root}", "--", *bare]
        variants = {
            "bare python3 -c pass": bare,
            "launcher only (no rules)": [hermetic_bin(), "--", *bare],
            "--fs-readonly=ROOT": rooted,
            "--fs-readonly=ROOT, kernel layer only": rooted,
        }
        extra_env = {"--fs-readonly=ROOT, kernel layer only": {"HERMETIC_INPROCESS": "0"}}
        medians = time_commands(variants, args.runs, env_with_real_python_first(),
                                extra_env=extra_env)
    print(report("python3 -c pass under --fs-readonly=ROOT", medians, "bare python3 -c pass",
                 cpu=True))


if __name__ == "__main__":
    main()
