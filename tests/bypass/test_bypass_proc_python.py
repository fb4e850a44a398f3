"""Every way the Python standard library starts another process. Each snippet gets the marker
path as sys.argv[1]; only the started program (a shell, or a child Python) creates it."""

import pytest

# The program every attempt tries to start: a shell that creates the marker with a builtin.
SHELL = 'import sys\nSHELL = ["/bin/sh", "-c", \': > "$1"\', "sh", sys.argv[1]]\n'

ATTEMPTS = {
    "subprocess_run": """
        import subprocess, sys
        subprocess.run(SHELL, timeout=30)
    """,
    "os_system": """
        import os, shlex, sys
        os.system(shlex.join(SHELL))
    """,
    "os_posix_spawn": """
        import os, sys
        pid = os.posix_spawn(SHELL[0], SHELL, os.environ)
        os.waitpid(pid, 0)
    """,
    "os_fork_execv": """
        import os, sys
        pid = os.fork()
        if pid == 0:
            try:
                os.execv(SHELL[0], SHELL)
            finally:
                os._exit(127)
        os.waitpid(pid, 0)
    """,
    "os_fork_child_writes": """
        import os, sys
        pid = os.fork()
        if pid == 0:
            open(sys.argv[1], "w").close()
            os._exit(0)
        os.waitpid(pid, 0)
    """,
    # The private call behind subprocess; its signature follows subprocess.py of each version.
    "posixsubprocess_fork_exec": """
        import _posixsubprocess, os, sys
        err_r, err_w = os.pipe()
        new = sys.version_info >= (3, 11)  # process_group and use_vfork arrived in 3.11
        args = [SHELL, [os.fsencode(SHELL[0])], True, (err_w,), None, None,
                -1, -1, -1, -1, -1, -1, err_r, err_w, True, False, *([-1] if new else []),
                None, None, None, -1, None, *([False] if new else [])]
        pid = _posixsubprocess.fork_exec(*args)
        os.waitpid(pid, 0)
    """,
    "multiprocessing_spawn": """
        import multiprocessing, pathlib, sys
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=pathlib.Path(sys.argv[1]).touch)
        child.start()
        child.join(30)
    """,
    "pty_spawn": """
        import pty, sys
        pty.spawn(SHELL)
    """,
    "asyncio_create_subprocess_exec": """
        import asyncio, sys
        async def main():
            child = await asyncio.create_subprocess_exec(*SHELL)
            await asyncio.wait_for(child.wait(), 30)
        asyncio.run(main())
    """,
    "asyncio_create_subprocess_shell": """
        import asyncio, shlex, sys
        async def main():
            child = await asyncio.create_subprocess_shell(shlex.join(SHELL))
            await asyncio.wait_for(child.wait(), 30)
        asyncio.run(main())
    """,
}


@pytest.mark.parametrize("code", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_stdlib_process(code, proc_sandbox, marker, run_attempt, python_attempt, expect_marker):
    attempt = run_attempt(python_attempt(code, marker, setup=SHELL), proc_sandbox)
    expect_marker(proc_sandbox, attempt)
