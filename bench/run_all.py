"""Runs every benchmark and writes bench/RESULTS.md (by hand, on a quiet machine; never in CI).

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python bench/run_all.py
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = [  # (script, arguments, what it answers)
    ("startup.py", [], "issue 2: start-up under --no-network --no-subprocess"),
    ("fs_startup.py", [], "issue 3: start-up under --fs-readonly=ROOT"),
    ("connect_cost.py", [], "issue 4: cost of an allowed loopback connect"),
    ("inproc.py", ["--seal-python", str(BENCH / ".venvs/seal/bin/python")],
     "issue 5: the in-process layer"),
    ("cli_tools.py", [], "issue 6: Python tools under the CLI"),
    ("floors.py", [], "issues 3 and 6: what the design costs at the least, beside hermetic"),
    ("fs_startup_split.py", [], "issue 17: --fs-readonly=ROOT's start-up part by part"),
    ("block_native.py", [], "issue 13: --block-native maps the standard library's extensions"),
    ("pip_install.py", [], "issue 13: pip install into a venv under --fs-readonly"),
    ("pytest_plugin.py", [], "issue 16: the pytest plugin on 500 trivial tests"),
]


def main() -> None:
    sections = [
        "# Benchmark results",
        "",
        f"Written by `bench/run_all.py` on {datetime.date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Linux {platform.release()}, Python {platform.python_version()}."
        " Each table comes from one run with the variants interleaved; ratios are to bare."
        " docs/performance.md explains where the time goes.",
        "",
    ]
    for script, args, title in SCRIPTS:
        if not (BENCH / script).exists():
            continue
        proc = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=BENCH,
                              capture_output=True, text=True, timeout=3600)
        sections += [f"## {title}", "", f"`bench/{script} {' '.join(args)}`".rstrip(), "",
                     "```" if not proc.stdout.lstrip().startswith(("###", "|")) else "",
                     proc.stdout.strip() or proc.stderr.strip(),
                     "```" if not proc.stdout.lstrip().startswith(("###", "|")) else "", ""]
    (BENCH / "RESULTS.md").write_text("\n".join(sections))
    print((BENCH / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
