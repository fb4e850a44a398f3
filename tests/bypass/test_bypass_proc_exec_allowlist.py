"""--no-subprocess --allow-exec sh: the shell may run (new processes too), nothing else. Each
attempt tries to run a program that is not listed, /usr/bin/touch (or a shell that is not the
listed file), to create the marker: by a copy or a symlink of a program, through an fd, from
memory, through the allowed shell, from Python's own calls. The ELF-loader route is a documented
limit, tested in tests/cli/test_allow_exec.py."""

from __future__ import annotations

import pytest

SETUP = """
import os, sys
MARKER = sys.argv[1]
TOUCH = ["/usr/bin/touch", MARKER]
SHELL = ["/bin/sh", "-c", ': > "$1"', "sh", MARKER]  # the listed shell's own builtin
HERE = os.path.dirname(MARKER)
"""

ATTEMPTS = {
    "os_execv_unlisted": """
        os.execv(TOUCH[0], TOUCH)
    """,
    "subprocess_unlisted": """
        import subprocess
        subprocess.run(TOUCH, timeout=30)
    """,
    "posix_spawn_unlisted": """
        os.waitpid(os.posix_spawn(TOUCH[0], TOUCH, os.environ), 0)
    """,
    # The listed shell runs, its exec of the unlisted program does not.
    "unlisted_through_the_allowed_shell": """
        os.execv("/bin/sh", ["sh", "-c", " ".join(TOUCH)])
    """,
    # A copy of the allowed program is another file.
    "copy_of_the_allowed_shell": """
        import shutil
        copy = shutil.copy(os.path.realpath("/bin/sh"), os.path.join(HERE, "sh-copy"))
        os.chmod(copy, 0o755)
        os.execv(copy, SHELL)
    """,
    "memfd_copy_of_the_allowed_shell": """
        fd = os.memfd_create("sh", 0)
        with open("/bin/sh", "rb") as sh:
            os.write(fd, sh.read())
        os.execve(fd, SHELL, dict(os.environ))
    """,
    # Landlock lets every file of an unmountable filesystem (a memfd) pass: only memfds that
    # can never be executable may be made.
    "raw_memfd_create_copy_of_the_allowed_shell": """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.syscall(319, b"sh", 1)  # memfd_create(name, MFD_CLOEXEC) on x86_64
        if fd < 0:
            sys.exit(f"memfd_create: errno {ctypes.get_errno()}")
        with open("/bin/sh", "rb") as sh:
            os.write(fd, sh.read())
        os.execv(f"/proc/self/fd/{fd}", SHELL)
    """,
    "symlink_to_unlisted": """
        link = os.path.join(HERE, "link")
        os.symlink(TOUCH[0], link)
        os.execv(link, [link, MARKER])
    """,
    "fexecve_fd_of_unlisted": """
        fd = os.open(TOUCH[0], os.O_RDONLY)
        os.execve(fd, TOUCH, dict(os.environ))
    """,
    "execveat_empty_path_opath_fd_of_unlisted": """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(TOUCH[0], os.O_PATH)
        argv = (ctypes.c_char_p * 3)(*map(os.fsencode, TOUCH), None)
        envp = (ctypes.c_char_p * 1)(None)
        libc.syscall(322, fd, b"", argv, envp, 0x1000)  # execveat(fd, "", AT_EMPTY_PATH)
        sys.exit(f"execveat: errno {ctypes.get_errno()}")
    """,
    "proc_self_fd_path_of_unlisted": """
        fd = os.open(TOUCH[0], os.O_RDONLY)
        os.set_inheritable(fd, True)
        os.execv(f"/proc/self/fd/{fd}", TOUCH)
    """,
}


@pytest.fixture(params=[None, ("--no-subprocess", "--allow-exec", "sh")], ids=["bare", "hermetic"])
def allowlist_sandbox(request: pytest.FixtureRequest, new_sandbox):
    return new_sandbox("bare" if request.param is None else "hermetic", request.param)


@pytest.mark.parametrize("code", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_unlisted_program(code, allowlist_sandbox, marker, run_attempt, python_attempt,
                          expect_marker):
    attempt = run_attempt(python_attempt(code, marker, setup=SETUP), allowlist_sandbox)
    expect_marker(allowlist_sandbox, attempt)


def test_listed_shell_still_runs(allowlist_sandbox, marker, run_attempt, python_attempt):
    """The control: the same sandbox lets the listed shell run and write (else every attempt
    above would pass for the wrong reason)."""
    code = "import subprocess; subprocess.run(SHELL, timeout=30, check=True)"
    attempt = run_attempt(python_attempt(code, marker, setup=SETUP), allowlist_sandbox)
    assert marker.exists(), attempt.describe()
