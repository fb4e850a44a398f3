"""--block-native (issue 13): what mapping the interpreter's own standard-library extension
modules ahead costs a start. `--no-code-exec` loads the same Python-side guards at the same
moment without the native part, so the difference between the two is that mapping plus the
seccomp filter. Interleaved in one run. Then the mapping and the filter alone, as process CPU
time inside fresh interpreters (`deny_native_code()`, what the CLI calls), which a busy machine
disturbs less than wall time.

    .venv/bin/python bench/block_native.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys

from harness import env_with_real_python_first, hermetic_bin, report, time_commands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    env = env_with_real_python_first()
    out = []
    target = ["python3", "-c", "pass"]
    python = {
        "bare python3 -c pass": target,
        "hermetic --no-code-exec": [hermetic_bin(), "--no-code-exec", "--", *target],
        "hermetic --block-native": [hermetic_bin(), "--block-native", "--", *target],
    }
    out.append(report("python3 -c pass under --block-native",
                      time_commands(python, args.runs, env), "bare python3 -c pass"))
    http = shutil.which("http") or sys.exit("bench: httpie is not installed here")
    tool = {
        "bare http --version": [http, "--version"],
        "hermetic --block-native": [hermetic_bin(), "--block-native", "--", http, "--version"],
    }
    out.append(report("http --version under --block-native",
                      time_commands(tool, max(args.runs // 3, 10), env), "bare http --version"))
    probe = ("import time, hermetic._hermetic as n; c = time.process_time(); "
             "n.deny_native_code(); print((time.process_time() - c) * 1000)")
    cpu = [float(subprocess.run([sys.executable, "-c", probe], check=True,
                                capture_output=True, text=True).stdout)
           for _ in range(max(args.runs // 3, 10))]
    out.append(f"mapping the standard library's extensions + the filter: "
               f"{statistics.median(cpu):.2f} ms CPU (median of {len(cpu)} fresh interpreters)")
    print("\n".join(out))


if __name__ == "__main__":
    main()
