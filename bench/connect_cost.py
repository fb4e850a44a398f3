"""Cost of one allowed loopback connect under `--no-network --allow-localhost` against bare.

Runs the same Python loop (socket(); connect() to a loopback listener; close()) bare and under
hermetic, in one run, and reports the microseconds the supervisor adds per connect. Goal: at
most 50 us. Run by hand: `python3 bench/connect_cost.py [--hermetic PATH] [--connects N]`.
Only loopback is contacted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading

LOOP = """
import socket, sys, time
port, n, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) or None
addr = ('127.0.0.1', port)
def once():
    s = socket.socket(); s.settimeout(timeout); s.connect(addr); s.close()
for _ in range(200):  # warm up
    once()
start = time.perf_counter_ns()
for _ in range(n):
    once()
print((time.perf_counter_ns() - start) / n / 1000)
"""


def serve(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        conn.close()


def per_connect_us(argv_prefix: list[str], port: int, n: int, timeout: float) -> float:
    out = subprocess.run(
        [*argv_prefix, sys.executable, "-c", LOOP, str(port), str(n), str(timeout)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--hermetic", default=os.environ.get("HERMETIC_BIN") or shutil.which("hermetic")
    )
    parser.add_argument("--connects", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--timeout",
        type=float,
        default=0,
        help="socket timeout in seconds; 0: blocking sockets (Python's default), >0: Python "
        "connects a non-blocking socket and polls, as create_connection(timeout=...) does",
    )
    args = parser.parse_args()
    if not args.hermetic:
        sys.exit("hermetic not found: pass --hermetic or set HERMETIC_BIN")

    listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    port = listener.getsockname()[1]
    supervised = [args.hermetic, "--no-network", "--allow-localhost", "--"]
    bare, sandboxed = [], []
    for _ in range(args.rounds):  # interleaved, so drift hits both alike
        bare.append(per_connect_us([], port, args.connects, args.timeout))
        sandboxed.append(per_connect_us(supervised, port, args.connects, args.timeout))
    b, s = statistics.median(bare), statistics.median(sandboxed)
    runs = f"median of {args.rounds} runs x {args.connects}"
    print(f"bare:                 {b:8.1f} us per connect ({runs})")
    print(f"--allow-localhost:    {s:8.1f} us per connect")
    print(f"added by supervisor:  {s - b:8.1f} us per connect (goal <= 50)")


if __name__ == "__main__":
    main()
