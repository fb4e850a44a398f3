"""Every way a target could read a secret from its environment. Bare, the secret shows up in
the output (the read is real); under --no-environment it never does, whichever reader asks.

As every attempt here, these meet the kernel layer alone: the target was started with a
scrubbed environment, so each reader, in Python or below it, finds the variable gone. (With
the in-process layer on, Python-level reads are refused outright: tests/cli.)

These attempts cannot use run_attempt's started file: it is named through the environment,
which is what --no-environment removes. A line printed after the read proves the read ran."""

import os
import subprocess
import sys
import textwrap

import pytest

SECRET_NAME = "HERMETIC_TEST_SECRET_TOKEN"  # the prefix must not save it from the scrub
SECRET_VALUE = "s3cr3t-4f1c2b9e"
DONE = "read-finished"

READS = {
    "os_environ": "print(dict(os.environ))",
    "os_getenv": f"print(os.getenv({SECRET_NAME!r}))",
    "os_environb": "print(dict(os.environb))",
    "ctypes_getenv": f"""
        import ctypes
        libc = ctypes.CDLL(None)
        libc.getenv.restype = ctypes.c_char_p
        print(libc.getenv({SECRET_NAME!r}.encode()))
    """,
    "proc_self_environ": "print(open('/proc/self/environ', 'rb').read())",
    # Every process the target can read, hermetic's own included when it stays to wait.
    "proc_all_environ": """
        import glob
        for path in glob.glob('/proc/[0-9]*/environ'):
            try:
                print(path, open(path, 'rb').read())
            except OSError:
                pass
    """,
    "child_env": "import subprocess\n"
                 "print(subprocess.run(['env'], capture_output=True, text=True).stdout)",
    # exec passes the C-level environment on without asking os.environ.
    "exec_env": f"os.execv('/bin/sh', ['sh', '-c', 'env; echo {DONE}'])",
    "child_ctypes_system": "import ctypes\n"
                           f"ctypes.CDLL(None).system(b'echo ${SECRET_NAME}')",
}

SANDBOXES = {
    "bare": None,
    "no-environment": ["--no-environment"],
    "no-env": ["--no-env"],
    # --fs-readonly keeps hermetic alive to remove the run's TMPDIR: its own /proc/PID/environ
    # must be empty too.
    "no-environment-waiting-parent": ["--no-environment", "--fs-readonly"],
}


@pytest.mark.parametrize("flags", SANDBOXES.values(), ids=SANDBOXES.keys())
@pytest.mark.parametrize("code", READS.values(), ids=READS.keys())
def test_secret_never_reaches_the_output(code, flags, hermetic_bin, clean_env, tmp_path,
                                         default_timeout):
    program = "import os, sys\n" + textwrap.dedent(code) + f"\nsys.stdout.flush()\nprint({DONE!r})"
    argv = [sys.executable, "-c", program]
    if flags is not None:
        argv = [hermetic_bin, *flags, "--", *argv]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path,
                          timeout=default_timeout, stdin=subprocess.DEVNULL,
                          env=clean_env({SECRET_NAME: SECRET_VALUE}))
    described = f"rc={proc.returncode}\nstdout={proc.stdout[-3000:]}\nstderr={proc.stderr[-2000:]}"
    if flags is None:
        assert proc.returncode == 0 and DONE in proc.stdout, described
        assert SECRET_VALUE in proc.stdout, "the read finds nothing even bare:\n" + described
        return
    assert SECRET_VALUE not in proc.stdout + proc.stderr, described
    assert proc.returncode == 0 and DONE in proc.stdout, described


def test_programs_still_find_their_tools(run_hermetic):
    """PATH, HOME and the locale survive the scrub: ordinary programs keep working."""
    proc = run_hermetic(["--no-environment", "--", "sh", "-c", "command -v ls && echo $HOME"])
    assert proc.returncode == 0, proc.stderr
    assert "/ls" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == os.path.expanduser("~")


CALLER_MEMORY = r"""
import os
parent = os.getppid()
fields = open(f'/proc/{parent}/stat').read().rsplit(')', 1)[1].split()
env_start, env_end = int(fields[47]), int(fields[48])  # fields 50 and 51 of stat
try:
    with open(f'/proc/{parent}/mem', 'rb') as mem:
        mem.seek(env_start)
        print('read', mem.read(env_end - env_start).count(b'CALLER_SECRET_VALUE'))
except OSError as e:
    print('refused', e.errno)
"""


@pytest.mark.parametrize("flags", [[], ["--no-environment"]], ids=["control", "no-environment"])
def test_caller_memory_stays_out_of_reach(flags, hermetic_bin, tmp_path):
    """The caller (here a shell) still holds the secret in its memory; with --no-environment
    alone the target gets a Landlock domain, which keeps /proc/PID/mem of outside processes
    closed. The control (no flag, no domain) shows that the route reads the secret."""
    script = tmp_path / "t.py"
    script.write_text(CALLER_MEMORY)
    run = [hermetic_bin, *flags, "--", sys.executable, str(script)] if flags else \
        [sys.executable, str(script)]
    proc = subprocess.run(["bash", "-c", '"$@"; true', "bash", *run], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "HERMETIC_INPROCESS": "0",
                               "HERMETIC_TEST_CALLER": "CALLER_SECRET_VALUE"})
    if flags:
        assert proc.stdout.strip() == "refused 13", proc.stdout + proc.stderr
    else:
        assert proc.stdout.strip().startswith("read ") and proc.stdout.strip() != "read 0", \
            proc.stdout + proc.stderr
