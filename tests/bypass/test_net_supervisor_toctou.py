"""A thread rewrites the destination between an allowed and a refused address while another
thread connects or sends to it. The supervisor copies the address once, decides on the copy and
performs the call on the copy, so no call reaches the refused host."""

from __future__ import annotations

import subprocess

import pytest
from _net import netns

pytest_plugins = ["netns"]
COUNT = 3000
CONTROL_TRIES = 10


@pytest.mark.parametrize("mode", ["connect", "sendto", "sendmsg"])
def test_rewriting_the_address_during_the_call_never_reaches_the_refused_host(
    hermetic_bin: str, loopback, remote, c_helper, mode: str
) -> None:
    race = c_helper("race")
    argv = [race, mode, str(loopback.port), remote.host, str(remote.port), str(COUNT)]
    # Control: unsandboxed, the race sends some calls each way. On a loaded machine the two
    # threads may rarely run at once, so a control run may miss: it gets a few tries.
    for _ in range(CONTROL_TRIES):
        control = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert int(control.stdout) > 0
        if remote.events():
            break
    else:
        pytest.fail(f"the race never hit the remote host unsandboxed in {CONTROL_TRIES} runs")
    loopback.events()

    result = netns.run_hermetic(hermetic_bin, ["--no-network", "--allow-localhost"], argv, 120)
    assert result.returncode == 0, result.stderr
    assert remote.events() == []
    # The allowed ones did arrive (datagrams may drop when the listener falls behind).
    arrived, succeeded = len(loopback.events()), int(result.stdout)
    assert 0 < arrived <= succeeded
    if mode == "connect":
        assert arrived == succeeded
