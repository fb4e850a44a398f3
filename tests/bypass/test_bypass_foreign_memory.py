"""A process outside the sandbox is outside its reach: writing into another process's memory
(/proc/PID/mem, as a debugger would) could make it connect or run programs for the target.
The victim holds a 4-byte flag; the attacker tries to change it; the victim reports the value.
Landlock keeps a sandboxed process from tracing anything outside its domain."""

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

VICTIM = """
import ctypes, sys
flag = ctypes.create_string_buffer(b"wait", 4)
print(ctypes.addressof(flag), flush=True)
sys.stdin.readline()
print(flag.raw.decode(), flush=True)
"""

ATTACK = """
import sys
pid, address = int(sys.argv[1]), int(sys.argv[2])
with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
    mem.seek(address)
    mem.write(b"run!")
"""


def ptrace_allowed_bare() -> bool:
    """Without hermetic, may one test child write another's memory? (Yama may forbid it.)"""
    scope = Path("/proc/sys/kernel/yama/ptrace_scope")
    return os.geteuid() == 0 or not scope.exists() or scope.read_text().strip() == "0"


def attack(sandbox, run_attempt, python_attempt) -> None:
    if not sandbox.sandboxed and not ptrace_allowed_bare():
        pytest.skip("Yama forbids writing a sibling's memory here, so the bare run proves nothing")
    with subprocess.Popen([sys.executable, "-c", VICTIM], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as victim:
        try:
            assert select.select([victim.stdout], [], [], 60)[0], "the victim did not start"
            address = int(victim.stdout.readline())
            attempt = run_attempt(python_attempt(ATTACK, victim.pid, address), sandbox)
            flag, _ = victim.communicate("report\n", timeout=60)
        finally:
            victim.kill()
    expected = "wait" if sandbox.sandboxed else "run!"
    assert flag.strip() == expected, attempt.describe()


def test_no_network_cannot_write_outside_memory(net_sandbox, run_attempt, python_attempt):
    attack(net_sandbox, run_attempt, python_attempt)


def test_no_subprocess_cannot_write_outside_memory(proc_sandbox, run_attempt, python_attempt):
    attack(proc_sandbox, run_attempt, python_attempt)


@pytest.mark.parametrize("abi", ["5", "2", "1"])
def test_no_environment_cannot_write_outside_memory_on_older_landlock(abi, hermetic_bin, clean_env,
                                                                      tmp_path):
    """--no-environment alone has no other Landlock layer to make its domain; a layer that
    restricts nothing else makes one, on every ABI.
    HERMETIC_LANDLOCK_ABI_MAX plays the older kernel. The environment is scrubbed, so the
    attempt learns where to mark its start from its arguments."""
    if not ptrace_allowed_bare():
        pytest.skip("Yama forbids writing a sibling's memory here: hermetic is not what stops it")
    started = tmp_path / "started"
    code = "import sys; open(sys.argv[3], 'w').close()\n" + ATTACK
    with subprocess.Popen([sys.executable, "-c", VICTIM], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as victim:
        try:
            assert select.select([victim.stdout], [], [], 60)[0], "the victim did not start"
            address = victim.stdout.readline().strip()
            proc = subprocess.run(
                [hermetic_bin, "--no-environment", "--", sys.executable, "-c", code,
                 str(victim.pid), address, str(started)],
                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                env=clean_env({"HERMETIC_LANDLOCK_ABI_MAX": abi}),
            )
            flag, _ = victim.communicate("report\n", timeout=60)
        finally:
            victim.kill()
    assert started.exists(), proc.stderr
    assert flag.strip() == "wait", proc.stderr
