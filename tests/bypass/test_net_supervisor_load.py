"""The supervisor under load: 8 threads of one target each make 1,000 calls it decides
(`--no-network --allow-localhost`), loopback connects and datagrams mixed with connects and
datagrams to a host it must refuse. Every answer must be right: each allowed call arrives
(counted by a listener), each refused one fails with EACCES and never arrives, and neither the
target nor hermetic (whose supervisor pulls a socket fd out of the target for each call) is left
with an fd more than before.

Then the same load with hermetic killed mid-run: after the kill nothing more arrives anywhere,
and every call fails (ENOSYS: the kernel's answer once no supervisor listens). The target
clears PR_SET_PDEATHSIG first, as a target bent on outliving its supervisor could.

Bounded by counts: no assertion is about time. The rates measured are printed (pytest -s)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from _net import netns

pytest_plugins = ["netns"]

THREADS = 8
CALLS = 1000  # per thread, in the loaded run
CALLS_AFTER_KILL = 48  # per thread, once the supervisor is dead
KINDS = ("tcp_local", "udp_local", "tcp_far", "udp_far")

TARGET = r"""
import ctypes, json, os, socket, sys, threading, time
mode, control = sys.argv[1], sys.argv[2]
local, udp_port, far, far_port = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
threads, calls, calls_after = int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
if mode == 'kill':
    ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG, 0: outlive hermetic

def path(name):
    return os.path.join(control, name)

def mark(name, text=''):
    with open(path(name) + '.tmp', 'w') as f:
        f.write(text)
    os.rename(path(name) + '.tmp', path(name))

def wait(name):
    while not os.path.exists(path(name)):
        time.sleep(0.002)

def call(kind, udp):
    try:
        if kind == 'tcp_local' or kind == 'tcp_far':
            with socket.socket() as s:
                s.connect(('127.0.0.1', local) if kind == 'tcp_local' else (far, far_port))
        else:
            udp.sendto(b'x', ('127.0.0.1', udp_port) if kind == 'udp_local' else (far, far_port))
        return 'ok'
    except OSError as e:
        return str(e.errno)

KINDS = ('tcp_local', 'udp_local', 'tcp_far', 'udp_far')
results, after_kill = [], []
started = threading.Semaphore(0)

def worker(index):
    mine, late = {}, {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        n = 0
        while n < calls if mode == 'run' else not os.path.exists(path('after')):
            kind = KINDS[(n + index) % 4]
            key = kind + ' ' + call(kind, udp)
            mine[key] = mine.get(key, 0) + 1
            n += 1
            if n == 20:
                started.release()
        if mode == 'kill':
            for m in range(calls_after):
                kind = KINDS[m % 4]
                key = kind + ' ' + call(kind, udp)
                late[key] = late.get(key, 0) + 1
    results.append(mine)
    after_kill.append(late)

# One call of each kind first: whatever the supervisor sets up once is set up before counting.
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
    warm = [call(kind, udp) for kind in KINDS]
mark('ready', json.dumps(warm))
wait('go')
begin = time.monotonic()
workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
for w in workers:
    w.start()
if mode == 'kill':
    for _ in range(threads):
        started.acquire()
    mark('running')
for w in workers:
    w.join()
seconds = time.monotonic() - begin
mark('done', json.dumps({'results': results, 'after_kill': after_kill, 'seconds': seconds}))
wait('finish')
"""


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + netns.WAIT_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} never appeared")
        time.sleep(0.005)


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_fd_count(pid: int, want: int) -> int:
    """pid's fd count once it is `want` again (the supervisor closes a call's fds just after
    answering it), or whatever it is when the bound runs out."""
    deadline = time.monotonic() + netns.WAIT_SECONDS
    while (count := fd_count(pid)) != want and time.monotonic() < deadline:
        time.sleep(0.01)
    return count


def target_pid(hermetic_pid: int) -> int:
    """The target: the child of hermetic running our script."""
    children = []
    for task in os.listdir(f"/proc/{hermetic_pid}/task"):
        children += Path(f"/proc/{hermetic_pid}/task/{task}/children").read_text().split()
    targets = [
        int(pid) for pid in children if b"ready" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert len(targets) == 1, children
    return targets[0]


def total(tallies: list[dict[str, int]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for tally in tallies:
        out.update(tally)
    return out


@pytest.fixture
def datagrams() -> Iterator[socket.socket]:
    """A UDP receiver on 127.0.0.1 with room for every datagram of the run, so that none is
    dropped and the count is exact (SO_RCVBUFFORCE: root, as the remote host needs anyway)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        yield udp


def drain(udp: socket.socket) -> int:
    count = 0
    while True:
        try:
            udp.recv(16)
        except BlockingIOError:
            return count
        count += 1


class Run:
    """hermetic with the target in `mode`, its files in `control`."""

    def __init__(
        self, hermetic_bin: str, mode: str, control: Path, loopback, remote, udp: socket.socket
    ) -> None:
        self.control = control
        self.proc = subprocess.Popen(
            [
                hermetic_bin,
                "--no-network",
                "--allow-localhost",
                "--",
                sys.executable,
                "-c",
                TARGET,
                mode,
                str(control),
                str(loopback.port),
                str(udp.getsockname()[1]),
                remote.host,
                str(remote.port),
                str(THREADS),
                str(CALLS),
                str(CALLS_AFTER_KILL),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # the target may outlive hermetic; reaped by group below
            env=netns.kernel_only_env(),
        )

    def file(self, name: str) -> Path:
        wait_for(self.control / name)
        return self.control / name

    def touch(self, name: str) -> None:
        (self.control / name).touch()

    def stop(self) -> None:
        self.touch("finish")  # a target that outlived hermetic ends on its own too
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=netns.WAIT_SECONDS)


def test_every_answer_right_under_load_and_no_fd_leaked(
    hermetic_bin: str, loopback, remote, datagrams: socket.socket, tmp_path: Path
) -> None:
    run = Run(hermetic_bin, "run", tmp_path, loopback, remote, datagrams)
    try:
        warm = json.loads(run.file("ready").read_text())
        assert warm == ["ok", "ok", "13", "13"]  # one of each, before counting
        assert loopback.events() == ["tcp"]
        assert drain(datagrams) == 1
        target = target_pid(run.proc.pid)
        target_fds, hermetic_fds = fd_count(target), fd_count(run.proc.pid)
        run.touch("go")
        done = json.loads(run.file("done").read_text())
        target_after = settled_fd_count(target, target_fds)
        hermetic_after = settled_fd_count(run.proc.pid, hermetic_fds)
        run.touch("finish")
        assert run.proc.wait(timeout=netns.WAIT_SECONDS) == 0, run.proc.stderr
    finally:
        run.stop()
    per_kind = THREADS * CALLS // len(KINDS)
    assert total(done["results"]) == {
        "tcp_local ok": per_kind,
        "udp_local ok": per_kind,
        "tcp_far 13": per_kind,  # EACCES
        "udp_far 13": per_kind,
    }
    assert loopback.events() == ["tcp"] * per_kind  # every allowed connect arrived, once
    assert drain(datagrams) == per_kind  # and every allowed datagram
    assert remote.events() == []  # no refused one, nor a packet of it
    assert (target_after, hermetic_after) == (target_fds, hermetic_fds)
    seconds = done["seconds"]
    print(
        f"\n{THREADS * CALLS} supervised calls in {seconds:.2f} s: "
        f"{THREADS * CALLS / seconds:.0f} calls/s, {per_kind * 2 / seconds:.0f} connects/s; "
        f"fds target {target_fds}, hermetic {hermetic_fds}"
    )


def test_supervisor_killed_under_load_lets_nothing_more_out(
    hermetic_bin: str, loopback, remote, datagrams: socket.socket, tmp_path: Path
) -> None:
    run = Run(hermetic_bin, "kill", tmp_path, loopback, remote, datagrams)
    try:
        run.file("ready")
        run.touch("go")
        run.file("running")  # every thread is sending
        os.kill(run.proc.pid, signal.SIGKILL)  # hermetic, and with it the supervisor
        run.proc.wait(timeout=netns.WAIT_SECONDS)
        # Whatever the supervisor made before it died has arrived by now: loopback connects
        # and datagrams are complete when the call returns in the supervisor.
        before = len(loopback.events()), drain(datagrams)
        run.touch("after")
        done = json.loads(run.file("done").read_text())
        after = len(loopback.events()), drain(datagrams)
    finally:
        run.stop()
    assert before[0] > 0 and before[1] > 0  # the kill did land mid-run
    assert after == (0, 0)  # nothing sent once the supervisor was gone
    assert remote.events() == []
    late = total(done["after_kill"])
    assert late == {f"{kind} 38": THREADS * CALLS_AFTER_KILL // len(KINDS) for kind in KINDS}
    print(f"\nbefore the kill: {before[0]} connects and {before[1]} datagrams arrived")
