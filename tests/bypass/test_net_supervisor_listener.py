"""The seccomp listener fd stays with hermetic: a target holding it could answer its own
trapped calls. Neither the target nor its children may have it."""

from __future__ import annotations

from _net import netns

pytest_plugins = ["netns"]

CODE = """
import os
def listeners():
    found = []
    for fd in os.listdir('/proc/self/fd'):
        try:
            if 'seccomp' in os.readlink(f'/proc/self/fd/{fd}'):
                found.append(fd)
        except OSError:
            pass
    return found
print('target', listeners())
pid = os.fork()
if pid == 0:
    print('child', listeners(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_no_listener_in_the_target_or_its_children(hermetic_bin: str) -> None:
    for flags in (["--no-network", "--allow-localhost"], ["--no-network", "--trace"]):
        result = netns.run_hermetic(hermetic_bin, flags, ["python3", "-c", CODE])
        assert result.stdout.splitlines() == ["target []", "child []"], result.stderr
