"""Every way a target could read a secret from its environment. Bare, the secret shows up in
the output (the read is real); under --no-environment it never does, whichever reader asks.

Two layers answer: Python-level reads (os.environ, os.getenv, and subprocess, which consults
os.environ) are refused by the in-process layer, one line and exit 2 as in hermetic-seal;
everything below Python (ctypes getenv, /proc, a child program) finds the variable gone,
because the target was started with a scrubbed environment.

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

BLOCKED, EMPTY = "blocked", "empty"  # what the sandboxed read meets

READS = {
    "os_environ": (BLOCKED, "print(dict(os.environ))"),
    "os_getenv": (BLOCKED, f"print(os.getenv({SECRET_NAME!r}))"),
    "os_environb": (BLOCKED, "print(dict(os.environb))"),
    "ctypes_getenv": (EMPTY, f"""
        import ctypes
        libc = ctypes.CDLL(None)
        libc.getenv.restype = ctypes.c_char_p
        print(libc.getenv({SECRET_NAME!r}.encode()))
    """),
    "proc_self_environ": (EMPTY, "print(open('/proc/self/environ', 'rb').read())"),
    # Every process the target can read, hermetic's own included when it stays to wait.
    "proc_all_environ": (EMPTY, """
        import glob
        for path in glob.glob('/proc/[0-9]*/environ'):
            try:
                print(path, open(path, 'rb').read())
            except OSError:
                pass
    """),
    # subprocess consults os.environ (exec path), so the in-process layer refuses it...
    "child_env": (BLOCKED, "import subprocess\n"
                  "print(subprocess.run(['env'], capture_output=True, text=True).stdout)"),
    # ... while a child started below Python sees the scrubbed environment.
    # exec passes the C-level environment on without asking os.environ.
    "exec_env": (EMPTY, f"os.execv('/bin/sh', ['sh', '-c', 'env; echo {DONE}'])"),
    "child_ctypes_system": (EMPTY, "import ctypes\n"
                            f"ctypes.CDLL(None).system(b'echo ${SECRET_NAME}')"),
}

SANDBOXES = {
    "bare": None,
    "no-environment": ["--no-environment"],
    "no-env": ["--no-env"],
}


@pytest.mark.parametrize("flags", SANDBOXES.values(), ids=SANDBOXES.keys())
@pytest.mark.parametrize(("meets", "code"), READS.values(), ids=READS.keys())
def test_secret_never_reaches_the_output(meets, code, flags, hermetic_bin, clean_env, tmp_path,
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
    if meets == BLOCKED:
        assert proc.returncode == 2, described
        assert proc.stderr.startswith("hermetic: blocked action: environment disabled"), described
    else:
        assert proc.returncode == 0 and DONE in proc.stdout, described


def test_programs_still_find_their_tools(run_hermetic):
    """PATH, HOME and the locale survive the scrub: ordinary programs keep working."""
    proc = run_hermetic(["--no-environment", "--", "sh", "-c", "command -v ls && echo $HOME"])
    assert proc.returncode == 0, proc.stderr
    assert "/ls" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == os.path.expanduser("~")
