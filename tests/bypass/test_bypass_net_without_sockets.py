"""--no-network: packets without a socket. A root target (CAP_BPF, CAP_NET_ADMIN) could hand
frames to the network stack through a BPF test run (BPF_PROG_TEST_RUN with live XDP frames) or
through a tun device it creates; both routes are refused at their start, bpf() and TUNSETIFF.

Each route is tried in a network namespace of the test's own (unshare -n): the control shows
the kernel object is made without hermetic, the run that it is not made under --no-network.
No packet is sent in either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from fs_bypass_helpers import helpers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="both routes need root")

# A two-instruction socket-filter program (r0 = 0; exit): loading it makes a kernel object.
BPF_LOAD = r"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
insns = (ctypes.c_uint64 * 2)(0x00000000000000b7, 0x0000000000000095)
license = ctypes.c_char_p(b'GPL')
attr = (ctypes.c_uint8 * 128)()
ctypes.c_uint32.from_buffer(attr, 0).value = 1            # BPF_PROG_TYPE_SOCKET_FILTER
ctypes.c_uint32.from_buffer(attr, 4).value = 2            # insn_cnt
ctypes.c_uint64.from_buffer(attr, 8).value = ctypes.addressof(insns)
ctypes.c_uint64.from_buffer(attr, 16).value = ctypes.cast(license, ctypes.c_void_p).value
fd = libc.syscall(321, 5, attr, 128)                      # bpf(BPF_PROG_LOAD)
print('loaded' if fd >= 0 else f'refused: errno {ctypes.get_errno()}')
"""

TUN_CREATE = r"""
import fcntl, os, socket, struct
fd = os.open('/dev/net/tun', os.O_RDWR)
try:
    fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', b'hmt-tun0', 0x0001 | 0x1000))  # TUNSETIFF
    print('created', socket.if_nametoindex('hmt-tun0') > 0)
except OSError as e:
    print(f'refused: errno {e.errno}')
"""


def in_own_netns(argv: list[str]) -> subprocess.CompletedProcess[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("the test needs unshare(1) (util-linux)")
    return subprocess.run([unshare, "-n", *argv], capture_output=True, text=True,
                          timeout=helpers.TIMEOUT, env={**os.environ, "HERMETIC_INPROCESS": "0"})


@pytest.mark.parametrize(("code", "made"), [(BPF_LOAD, "loaded"), (TUN_CREATE, "created True")],
                         ids=["bpf", "tun"])
def test_no_kernel_object_that_injects_packets(code: str, made: str) -> None:
    if code is TUN_CREATE and not os.path.exists("/dev/net/tun"):
        pytest.fail("the test needs /dev/net/tun")
    control = in_own_netns([sys.executable, "-c", code])
    assert control.stdout.strip() == made, control.stdout + control.stderr
    result = in_own_netns([helpers.hermetic_bin(), "--no-network", "--", sys.executable, "-c",
                           code])
    assert result.stdout.strip().startswith("refused: errno"), result.stdout + result.stderr
