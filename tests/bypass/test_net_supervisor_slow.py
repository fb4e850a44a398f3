"""One slow connect must not hold up the others: while a thread waits in a connect the
supervisor makes to a host that never answers, another thread's loopback connects go through.
When the target exits, hermetic exits too, without waiting for the stuck connect."""

from __future__ import annotations

import socket

from _net import netns

pytest_plugins = ["netns"]

CODE = """
import os, socket, sys, threading
local, far, tarpit = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
threading.Thread(target=lambda: socket.create_connection((far, tarpit)), daemon=True).start()
for _ in range(50):
    socket.create_connection(('127.0.0.1', local), timeout=30).close()
print('done', flush=True)
os._exit(0)
"""


def test_a_stuck_connect_does_not_stall_others(hermetic_bin: str, loopback, remote) -> None:
    # Fill the tarpit's accept queue (backlog 0, never accepted): later SYNs are dropped, so a
    # connect to it waits for the kernel's retries.
    fillers = []
    for _ in range(3):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((remote.host, remote.tarpit_port))
        fillers.append(s)
    try:
        result = netns.run_hermetic(
            hermetic_bin,
            [
                "--no-network",
                "--allow-localhost",
                "--allow-domain",
                "far.test",
                "--resolve",
                f"far.test:{remote.host}",
            ],
            ["python3", "-c", CODE, str(loopback.port), "far.test", str(remote.tarpit_port)],
            timeout=60,  # the stuck connect alone would take minutes
        )
    finally:
        for s in fillers:
            s.close()
    assert result.stdout.strip() == "done", result.stderr
    assert loopback.events() == ["tcp"] * 50
