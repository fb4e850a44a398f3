"""Exec of another program from the target itself, which creates no process: the target (a
Python) must not be able to become /bin/sh, by any route. Also libc's system() via ctypes."""

import pytest

SETUP = """
import sys
SHELL = ["/bin/sh", "-c", ': > "$1"', "sh", sys.argv[1]]
LOADER = next(line.split()[-1] for line in open("/proc/self/maps")
              if "/ld-linux" in line or "/ld-musl" in line)  # this process's ELF loader
"""

ATTEMPTS = {
    "os_execv_sh": """
        import os, sys
        os.execv(SHELL[0], SHELL)
    """,
    # New files: a copy of /bin/sh, and one in memory only (memfd, run with fexecve).
    "os_execv_copy_of_sh": """
        import os, shutil, sys
        copy = shutil.copy(SHELL[0], os.path.join(os.path.dirname(sys.argv[1]), "sh-copy"))
        os.chmod(copy, 0o755)
        os.execv(copy, SHELL)
    """,
    "fexecve_memfd_copy_of_sh": """
        import os, sys
        fd = os.memfd_create("sh", 0)
        with open(SHELL[0], "rb") as sh:
            os.write(fd, sh.read())
        os.execve(fd, SHELL, dict(os.environ))
    """,
    "ctypes_syscall_execve": """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        argv = (ctypes.c_char_p * (len(SHELL) + 1))(*map(os.fsencode, SHELL), None)
        envp = (ctypes.c_char_p * 1)(None)
        libc.syscall(59, os.fsencode(SHELL[0]), argv, envp)  # 59: execve on x86_64
        sys.exit(f"execve: errno {ctypes.get_errno()}")
    """,
    "ctypes_syscall_execveat": """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        argv = (ctypes.c_char_p * (len(SHELL) + 1))(*map(os.fsencode, SHELL), None)
        envp = (ctypes.c_char_p * 1)(None)
        at_fdcwd = ctypes.c_long(-100)
        libc.syscall(322, at_fdcwd, os.fsencode(SHELL[0]), argv, envp, 0)  # 322: execveat
        sys.exit(f"execveat: errno {ctypes.get_errno()}")
    """,
    "ctypes_libc_system": """
        import ctypes, shlex, sys
        ctypes.CDLL(None).system(shlex.join(SHELL).encode())
    """,
    # The ELF loader must stay executable for the target's own exec; run as a program it maps
    # any other binary itself, without an execve of that binary. Landlock allows the loader, so
    # only the seccomp rules stand between these two and /bin/sh.
    "os_execv_via_elf_loader": """
        import os, sys
        os.execv(LOADER, [LOADER, *SHELL])
    """,
    "ctypes_syscall_execveat_via_elf_loader": """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        args = [LOADER, *SHELL]
        argv = (ctypes.c_char_p * (len(args) + 1))(*map(os.fsencode, args), None)
        envp = (ctypes.c_char_p * 1)(None)
        libc.syscall(322, ctypes.c_long(-100), os.fsencode(LOADER), argv, envp, 0)
        sys.exit(f"execveat: errno {ctypes.get_errno()}")
    """,
}


@pytest.mark.parametrize("code", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_exec_from_python(code, proc_sandbox, marker, run_attempt, python_attempt,
                          expect_marker):
    attempt = run_attempt(python_attempt(code, marker, setup=SETUP), proc_sandbox)
    expect_marker(proc_sandbox, attempt)


def test_raw_execve_helper(proc_sandbox, marker, c_helpers, run_attempt, expect_marker):
    attempt = run_attempt([c_helpers["raw_execve"], marker], proc_sandbox)
    expect_marker(proc_sandbox, attempt)
