"""Kernel code: a root target (CAP_SYS_MODULE, CAP_SYS_BOOT) could load a module or boot another
kernel, past every rule at once. Every kernel-layer flag refuses those calls (EPERM) before the
kernel looks at their arguments; the control run shows the kernel answers for itself (EBADF for
the invalid fd passed, so nothing is ever loaded by this test; ENOSYS from a kernel built without
modules or kexec, as this VM's)."""

from __future__ import annotations

import errno
import os
import sys

import pytest
from fs_bypass_helpers import helpers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the calls need root to get this far")

CALLS = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for name, number, args in (("finit_module", 313, (-1, b"", 0)),
                           ("kexec_file_load", 320, (-1, -1, 0, b"", 0))):
    result = libc.syscall(number, *args)
    print(name, ctypes.get_errno() if result < 0 else "ok")
"""


def test_control_reaches_the_kernel() -> None:
    result = helpers.run([sys.executable, "-c", CALLS])
    words = result.stdout.split()
    assert words[0::2] == ["finit_module", "kexec_file_load"], result.stdout
    assert set(words[1::2]) <= {str(errno.EBADF), str(errno.ENOSYS)}, result.stdout


@pytest.mark.parametrize("flags", [["--no-network"], ["--no-subprocess"], ["--fs-readonly"]],
                         ids=lambda f: f[0])
def test_every_kernel_policy_refuses_kernel_code(flags: list[str]) -> None:
    result = helpers.hermetic(flags, [sys.executable, "-c", CALLS],
                              env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert result.stdout.split() == ["finit_module", str(errno.EPERM),
                                     "kexec_file_load", str(errno.EPERM)], result.stdout
