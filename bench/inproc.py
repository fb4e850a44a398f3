"""Benchmark of the in-process layer, as ratios measured in one run.

Three variants run the same workload in fresh interpreters, interleaved, best of --repeat
(each run itself the best of 3 rounds; process CPU time, which is what a hook costs and is less
disturbed by other load on the machine than wall time):
  bare   no hermetic at all (the workload without a blocker)
  ours   this package: hermetic_blocker(...) around the workload
  seal   hermetic-seal 1.0.0 (the original), same call, from --seal-python

Workloads:
  open   100,000 x open(path, 'rb').read()  inside hermetic_blocker(fs_readonly=True)
  connect  2,000 loopback connects          inside hermetic_blocker(block_network=True,
                                                                    allow_localhost=True)
  import   `import hermetic` in a fresh interpreter (ms)

Usage: python bench/inproc.py [--python PY] [--seal-python PY] [--repeat N]
Goals: open and connect at most 1.05x bare; import under 5 ms.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading

OPEN_N = 100_000
CONNECT_N = 2_000

WORKLOAD = r"""
import sys, time, socket
variant, kind, arg, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if variant == "bare":
    import contextlib
    block = lambda **kw: contextlib.nullcontext()
else:
    from hermetic import hermetic_blocker as block
clock = time.process_time  # CPU time of this process: what a hook costs, less scheduler noise
best = float("inf")
for _ in range(3):
    if kind == "open":
        path = arg
        with block(fs_readonly=True):
            t = clock()
            for _ in range(n):
                with open(path, "rb") as f:
                    f.read()
            dt = clock() - t
    else:
        port = int(arg)
        with block(block_network=True, allow_localhost=True):
            t = clock()
            for _ in range(n):
                socket.create_connection(("127.0.0.1", port)).close()
            dt = clock() - t
    best = min(best, dt)
print(best)
"""

IMPORT = "import time; t = time.perf_counter(); import hermetic; print(time.perf_counter() - t)"


class Listener:
    """Accepts and closes loopback connections in a thread of this (unmeasured) process."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            if select.select([self.sock], [], [], 0.05)[0]:
                conn, _ = self.sock.accept()
                conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.sock.close()


def run(python: str, args: list[str]) -> float:
    out = subprocess.run([python, *args], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter with hermetic")
    parser.add_argument("--seal-python", default="/opt/seal/bin/python")
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    variants = {"bare": opts.python, "ours": opts.python}
    if os.path.exists(opts.seal_python):
        variants["seal"] = opts.seal_python

    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(os.urandom(4096))
        path = f.name
    listener = Listener()
    best: dict[tuple[str, str], float] = {}
    try:
        for _ in range(opts.repeat):
            for kind, arg, n in (
                ("open", path, OPEN_N),
                ("connect", str(listener.port), CONNECT_N),
            ):
                for variant, python in variants.items():
                    dt = run(python, ["-c", WORKLOAD, variant, kind, arg, str(n)])
                    key = (kind, variant)
                    best[key] = min(best.get(key, dt), dt)
            for variant, python in variants.items():
                if variant == "bare":
                    continue
                dt = run(python, ["-c", IMPORT]) * 1000
                key = ("import", variant)
                best[key] = min(best.get(key, dt), dt)
    finally:
        listener.close()
        os.unlink(path)

    print(f"best of {opts.repeat} runs x 3 rounds, process CPU time ({opts.python})")
    rows = (("open", "open+read", OPEN_N), ("connect", "loopback connect", CONNECT_N))
    for kind, label, n in rows:
        bare = best[(kind, "bare")]
        line = f"{label:17} x{n:<7} bare {bare:7.3f} s   ours {best[(kind, 'ours')]:7.3f} s "
        line += f"({best[(kind, 'ours')] / bare:5.3f}x bare)"
        if (kind, "seal") in best:
            seal = best[(kind, "seal")]
            line += f"   seal {seal:7.3f} s ({seal / bare:5.3f}x bare; ours/seal "
            line += f"{best[(kind, 'ours')] / seal:5.3f})"
        print(line)
    line = f"import hermetic            ours {best[('import', 'ours')]:6.2f} ms"
    if ("import", "seal") in best:
        seal = best[("import", "seal")]
        line += f"   seal {seal:6.2f} ms (ours/seal {best[('import', 'ours')] / seal:5.3f})"
    print(line)


if __name__ == "__main__":
    main()
