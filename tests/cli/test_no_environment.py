"""--no-environment as users run it: both layers. The kernel side (a scrubbed environment for
every reader) is covered reader by reader in tests/bypass/test_bypass_env_leaks.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

SECRET_NAME = "HERMETIC_TEST_API_KEY"
SECRET_VALUE = "k3y-77d0a1"


# What a target sees under --no-environment, when the caller has nothing but the variables the
# tests set (README, "--no-environment"): the kept names it was given, and hermetic's own.
HERMETIC_OWN = {"LD_PRELOAD", "HERMETIC_POLICY", "HERMETIC_INPROC_LIB",
                "HERMETIC_INPROC_MIN_PYVER", "HERMETIC_INPROC_REQUIRED", "HERMETIC_INPROC_DEFER"}


def _names(env_output: str) -> set[str]:
    return {line.split("=", 1)[0] for line in env_output.splitlines() if "=" in line}


def test_a_removed_name_reads_as_unset(run_hermetic, clean_env):
    """The scrubbed environment is the boundary: Python reads what is left, and a removed name
    is simply not there (no refusal, no secret)."""
    code = (f"import os, sys; print(os.environ.get({SECRET_NAME!r}, 'unset')); "
            "print(dict(os.environ)); print(open('/proc/self/environ').read())")
    proc = run_hermetic(["--no-environment", "--", sys.executable, "-c", code],
                        env=clean_env({SECRET_NAME: SECRET_VALUE}))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "unset"
    assert SECRET_VALUE not in proc.stdout + proc.stderr


def test_json_tool_runs(run_hermetic, clean_env, tmp_path):
    """`python -m json.tool` reads LANGUAGE and friends through gettext: it runs, and does its
    job (the formatted document on stdout)."""
    document = tmp_path / "in.json"
    document.write_text('{"b": [1, 2], "a": "x"}')
    proc = run_hermetic(["--no-environment", "--", sys.executable, "-m", "json.tool",
                         "--sort-keys", str(document)], env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '{\n    "a": "x",\n    "b": [\n        1,\n        2\n    ]\n}\n'


def test_tempfile_and_pytest_run(run_hermetic, clean_env, tmp_path):
    """tempfile reads TMPDIR; pytest reads and sets variables (PYTEST_CURRENT_TEST) for its own
    run. Both work, and the secret is not in the environment pytest's test sees."""
    (tmp_path / "test_probe.py").write_text(
        "import os, tempfile\n"
        "def test_probe(tmp_path):\n"
        "    with tempfile.NamedTemporaryFile(dir=tmp_path) as f:\n"
        "        f.write(b'x')\n"
        f"    assert {SECRET_NAME!r} not in os.environ\n"
        "    (tmp_path.parent.parent / 'ran').write_text(os.environ['PYTEST_CURRENT_TEST'])\n")
    base = tmp_path / "base"
    # --rootdir: the node id must not depend on where the suite runs from (a clone under /tmp
    # would otherwise share /tmp as the common ancestor with tmp_path).
    proc = run_hermetic(["--no-environment", "--", sys.executable, "-m", "pytest", "-q",
                         "-p", "no:cacheprovider", f"--basetemp={base}", f"--rootdir={tmp_path}",
                         str(tmp_path)],
                        env=clean_env({SECRET_NAME: SECRET_VALUE}))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "ran").read_text().startswith("test_probe.py::test_probe")


@pytest.mark.parametrize("inprocess", [True, False], ids=["with-layer", "kernel-only"])
def test_keep_env_passes_the_named_variable_and_nothing_else(inprocess, hermetic_bin,
                                                             default_timeout):
    """`env` prints exactly the kept names the caller had, the --keep-env one, and hermetic's
    own variables when the in-process layer is injected; not the secret, not an LC_ name that
    is no locale category."""
    caller = {"PATH": os.environ["PATH"], "HOME": "/nonexistent-home", "LC_ALL": "C.UTF-8",
              "FOO": "foo-value", SECRET_NAME: SECRET_VALUE, "LC_API_TOKEN": "lc-s3cret",
              "HERMETIC_TEST_OTHER": "other-s3cret"}
    if not inprocess:
        caller["HERMETIC_INPROCESS"] = "0"  # read by hermetic, scrubbed like any other
    proc = subprocess.run([hermetic_bin, "--no-environment", "--keep-env", "FOO", "--", "env"],
                          env=caller, capture_output=True, text=True, timeout=default_timeout)
    assert proc.returncode == 0, proc.stderr
    own = HERMETIC_OWN if inprocess else set()
    assert _names(proc.stdout) == {"PATH", "HOME", "LC_ALL", "FOO"} | own
    assert "FOO=foo-value\n" in proc.stdout
    for secret in (SECRET_VALUE, "lc-s3cret", "other-s3cret"):
        assert secret not in proc.stdout


def test_only_real_locale_categories_are_kept(hermetic_bin, default_timeout):
    """LC_ALL and LC_MESSAGES are locale categories; LC_API_TOKEN is a secret with a prefix."""
    caller = {"PATH": os.environ["PATH"], "LC_ALL": "C.UTF-8", "LC_MESSAGES": "C",
              "LC_API_TOKEN": "lc-s3cret"}
    proc = subprocess.run([hermetic_bin, "--no-environment", "--", "env"], env=caller,
                          capture_output=True, text=True, timeout=default_timeout)
    assert proc.returncode == 0, proc.stderr
    assert {"LC_ALL", "LC_MESSAGES"} <= _names(proc.stdout)
    assert "lc-s3cret" not in proc.stdout


def test_a_python_child_of_the_target_sees_the_same(hermetic_bin, default_timeout):
    """A child started by the target (with os.environ copied, as pip and pytest do) gets the
    kept variable and the in-process layer, not the secret."""
    caller = {"PATH": os.environ["PATH"], "FOO": "foo-value", SECRET_NAME: SECRET_VALUE}
    code = ("import os, subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import os, sys, json; print(json.dumps(dict(os.environ))); "
            "print(\"hermetic._hermetic\" in sys.modules)'], env=dict(os.environ), check=True)")
    proc = subprocess.run([hermetic_bin, "--no-environment", "--keep-env", "FOO", "--",
                           sys.executable, "-c", code], env=caller, capture_output=True,
                          text=True, timeout=default_timeout)
    assert proc.returncode == 0, proc.stderr
    seen, layer = proc.stdout.splitlines()
    assert json.loads(seen)["FOO"] == "foo-value"
    assert layer == "True"
    assert SECRET_VALUE not in proc.stdout


def test_the_callers_ld_preload_is_scrubbed(run_hermetic, clean_env):
    """LD_PRELOAD is a variable like any other: hermetic's library goes in, the caller's own
    entries do not (unless --keep-env LD_PRELOAD)."""
    caller_lib = "/nonexistent/caller-preload.so"
    code = "import os; print(os.environ['LD_PRELOAD'])"
    for flags, present in (([], False), (["--keep-env", "LD_PRELOAD"], True)):
        proc = run_hermetic(["--no-environment", *flags, "--", sys.executable, "-c", code],
                            env=clean_env({"LD_PRELOAD": caller_lib}))
        assert proc.returncode == 0, proc.stderr
        assert (caller_lib in proc.stdout) == present, flags
        assert "libhermetic_preload.so" in proc.stdout


def test_keep_env_without_no_environment_is_refused(run_hermetic, clean_env):
    proc = run_hermetic(["--keep-env", "FOO", "--", "true"], env=clean_env())
    assert proc.returncode == 1
    assert proc.stderr == ("hermetic: error: --keep-env is an exception to --no-environment; "
                           "add --no-environment\n")


def test_explain_lists_what_passes(run_hermetic, clean_env):
    proc = run_hermetic(["--no-environment", "--keep-env", "FOO", "--explain", "--", "true"],
                        env=clean_env())
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    at = lines.index("environment scrubbed; of the caller's variables only these pass:")
    passed = lines[at + 1].split()
    assert {"PATH", "HOME", "LANG", "LC_ALL", "LC_MESSAGES", "FOO"} <= set(passed)
    assert not any(name.startswith("LC_") and name not in (
        "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY",
        "LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT",
        "LC_IDENTIFICATION") for name in passed)


def _run_processes(pid: int) -> list[int]:
    """The process `pid` and its children: a hermetic run's target, cleaner or waiting parent."""
    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    return [pid, *map(int, children)]


def _comm(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""


@pytest.mark.parametrize("layout", [
    ["--fs-readonly"],  # hermetic becomes the target; a detached cleaner removes the TMPDIR
    ["--no-network", "--allow-localhost"],  # hermetic stays as the target's supervising parent
], ids=["tmpdir-cleaner", "waiting-parent"])
@pytest.mark.parametrize("scrubbed", [True, False], ids=["no-environment", "control"])
def test_no_process_of_the_run_keeps_the_secret_in_its_environ(layout, scrubbed, hermetic_bin,
                                                                clean_env, default_timeout):
    """Read from outside the sandbox, no process of the run (the target, and the hermetic process
    that outlives the exec: a cleaner or a waiting parent) shows the secret in /proc/PID/environ.
    The control run (without the flag) shows that this way of looking does find it."""
    flags = ["--no-environment", *layout] if scrubbed else layout
    proc = subprocess.Popen(
        [hermetic_bin, *flags, "--", "sleep", "30"],
        env=clean_env({SECRET_NAME: SECRET_VALUE}), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + default_timeout
        processes: list[int] = []
        while time.monotonic() < deadline:  # until the target runs: every exec is done
            processes = _run_processes(proc.pid)
            if len(processes) == 2 and "sleep" in map(_comm, processes):
                break
            time.sleep(0.02)
        assert len(processes) == 2 and "sleep" in map(_comm, processes), processes
        environs = {pid: open(f"/proc/{pid}/environ", "rb").read() for pid in processes}
        target = next(pid for pid in processes if _comm(pid) == "sleep")
        for pid, environ in environs.items():
            assert (SECRET_VALUE.encode() in environ) == (not scrubbed), (pid, _comm(pid))
        assert b"PATH=" in environs[target]  # the target's environment is scrubbed, not gone
    finally:
        proc.kill()
        proc.wait(default_timeout)


def test_without_the_flag_the_secret_is_there(run_hermetic, clean_env):
    """The control: the same read works when the flag is not given."""
    proc = run_hermetic(["--no-network", "--", sys.executable, "-c",
                         f"import os; print(os.environ[{SECRET_NAME!r}])"],
                        env=clean_env({SECRET_NAME: SECRET_VALUE}))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == SECRET_VALUE
    assert os.environ.get(SECRET_NAME) is None  # the test process itself never had it


READ_CALLER_ENVIRON = {
    "by-path": "import os; print(open(f'/proc/{os.getppid()}/environ', 'rb').read())",
    # os.open's dir_fd is not in the audit event: a bare name relative to /proc/PID.
    "by-dir-fd": ("import os; d = os.open(f'/proc/{os.getppid()}', os.O_DIRECTORY); "
                  "print(os.read(os.open('environ', os.O_RDONLY, dir_fd=d), 4096))"),
}


@pytest.mark.parametrize("code", READ_CALLER_ENVIRON.values(), ids=READ_CALLER_ENVIRON.keys())
def test_python_reading_another_processs_environ_is_refused(code, run_hermetic, clean_env):
    """The caller started with the secret and still shows it in /proc/PID/environ, which no
    kernel rule here hides (README). The in-process layer refuses a Python target that reads
    it (or any process's environ file) under --no-environment."""
    proc = run_hermetic(["--no-environment", "--", sys.executable, "-c", code],
                        env=clean_env({SECRET_NAME: SECRET_VALUE}))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("hermetic: blocked action: environment disabled: ")
    assert SECRET_VALUE not in proc.stdout
