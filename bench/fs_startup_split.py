"""Where `--fs-readonly=ROOT`'s start-up goes, part by part, in one interleaved run (issue 17).

`python3 -c pass`, CPU time (user + system of the command and its waited-for children), which a
loaded machine disturbs far less than the wall time. Beside bare, each part of a run alone and
its floor (bench/floors.py says what a floor leaves out):

- the in-process layer alone: the target started directly with the environment hermetic gives
  it (the preload library, the policy, the extension), no launcher, no kernel rules; against
  its floor, an audit hook that does nothing with the extension loaded;
- the launcher and the kernel layer alone (`HERMETIC_INPROCESS=0`); against its floor,
  bench/floors/exec_in.c applying the Landlock rules `--explain` prints and a one-instruction
  seccomp filter;
- the whole run, against both floors together.

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python bench/fs_startup_split.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from floors import build_helpers, extension_module, landlock_arguments
from harness import env_with_real_python_first, hermetic_bin, real_python, report, time_commands

TARGET = ["-c", "pass"]
# What the launcher adds to the target's environment for the in-process layer.
INPROCESS_VARIABLES = ("LD_PRELOAD", "TMPDIR")


def inprocess_environment(hermetic: str, flags: list[str], python: str) -> dict[str, str]:
    """The in-process layer's part of the environment hermetic gives `python` under `flags`."""
    show = "import json, os; print(json.dumps(dict(os.environ)))"
    seen = json.loads(subprocess.run([hermetic, *flags, "--", python, "-c", show], check=True,
                                     capture_output=True, text=True).stdout)
    return {name: value for name, value in seen.items()
            if name.startswith("HERMETIC_") or name in INPROCESS_VARIABLES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    python = real_python()
    bare = [python, *TARGET]
    hermetic = hermetic_bin()
    with tempfile.TemporaryDirectory() as work:
        exec_in, preload = build_helpers(Path(work))
        root = Path(work) / "root"
        root.mkdir()
        flags = [f"--fs-readonly={root}"]
        explain = subprocess.run([hermetic, "--explain", *flags, "--", *bare], check=True,
                                 capture_output=True, text=True).stdout
        layers = landlock_arguments(explain, str(preload))
        if "@tmpdir" in " ".join(layers):
            layers = ["--mkdtemp", str(Path(work) / "hermetic-XXXXXX"), *layers]
        layer_env = inprocess_environment(hermetic, flags, python)
        # That run's private TMPDIR goes with it (its cleaner removes it); `-c pass` writes
        # nothing, but TMPDIR should name a directory that exists.
        layer_env["TMPDIR"] = str(Path(work) / "tmpdir")
        os.mkdir(layer_env["TMPDIR"])
        floor_env = {"LD_PRELOAD": str(preload), "FLOOR_DLOPEN": extension_module()}
        kernel_floor = [str(exec_in), "--seccomp", *layers, "--", *bare]
        variants = {
            "bare python3 -c pass": bare,
            "in-process floor alone": bare,
            "in-process layer alone": bare,
            "kernel floor alone": kernel_floor,
            "launcher + kernel layer alone": [hermetic, *flags, "--", *bare],
            "both floors": kernel_floor,
            "hermetic --fs-readonly=ROOT": [hermetic, *flags, "--", *bare],
        }
        extra_env = {"in-process floor alone": floor_env, "in-process layer alone": layer_env,
                     "launcher + kernel layer alone": {"HERMETIC_INPROCESS": "0"},
                     "both floors": floor_env}
        timings = time_commands(variants, args.runs, env_with_real_python_first(),
                                extra_env=extra_env)
    print(report("python3 -c pass under --fs-readonly=ROOT, part by part", timings,
                 "bare python3 -c pass", cpu=True))
    cpu = {name: statistics.median(values) * 1e3 for name, values in timings.cpu_samples.items()}
    bare_ms = cpu["bare python3 -c pass"]

    def over(name: str, base: str = "bare python3 -c pass") -> str:
        added = cpu[name] - cpu[base]
        return f"{added:+.2f} ms ({added / bare_ms:+.1%} of bare)"

    print(f"- in-process layer: {over('in-process layer alone')}, of which its floor "
          f"{over('in-process floor alone')} and hermetic's own work "
          f"{over('in-process layer alone', 'in-process floor alone')}.")
    print(f"- launcher and kernel layer: {over('launcher + kernel layer alone')}, of which its "
          f"floor {over('kernel floor alone')} and hermetic's own work "
          f"{over('launcher + kernel layer alone', 'kernel floor alone')}.")
    print(f"- the whole run: {over('hermetic --fs-readonly=ROOT')}, both floors "
          f"{over('both floors')}; the goal, 1.05 times bare, is "
          f"{0.05 * bare_ms:+.2f} ms.")


if __name__ == "__main__":
    main()
