"""The hermetic command line, end to end: exit status and signals as without hermetic, stdio and
the terminal passed through, how targets are found, and the one-line errors with their exit
codes (1 hermetic error, 2 usage, 126 not executable, 127 not found)."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Flag sets that must not change how a target is run, found or reported.
FLAG_SETS = {
    "no-flags": [],
    "no-network": ["--no-network"],
    "no-subprocess": ["--no-subprocess"],
    "both": ["--no-network", "--no-subprocess"],
}
BOTH = FLAG_SETS["both"]
PY = sys.executable


def assert_one_error_line(proc: subprocess.CompletedProcess, exit_code: int) -> str:
    """hermetic's own errors: nothing on stdout, exactly one `hermetic: error: ` line on
    stderr, and the documented exit code. Returns the line."""
    assert proc.returncode == exit_code, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and proc.stderr.endswith("\n"), f"not one line: {proc.stderr!r}"
    assert lines[0].startswith("hermetic: error: "), lines[0]
    return lines[0]


def writes(marker: Path) -> list[str]:
    """A target that creates `marker`: an error case passes only if it never ran."""
    return [PY, "-c", "import sys; open(sys.argv[1], 'w').close()", str(marker)]


# --- exit status and signals ---------------------------------------------------------------


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
@pytest.mark.parametrize("status", [0, 7, 255])
def test_exit_status_passes_through(flags, status, run_hermetic):
    proc = run_hermetic([*flags, "--", PY, "-c", f"raise SystemExit({status})"])
    assert proc.returncode == status, proc.stderr
    assert proc.stderr == ""


# Signals without a core dump, so hermetic's mirrored death is the only effect.
DEATHS = [signal.SIGTERM, signal.SIGKILL, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1]


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
@pytest.mark.parametrize("sig", DEATHS, ids=[s.name for s in DEATHS])
def test_death_by_signal_is_mirrored(flags, sig, run_hermetic):
    # SIGINT has a Python handler to remove first; SIGKILL cannot have one.
    default = f"signal.signal({sig}, signal.SIG_DFL); " if sig != signal.SIGKILL else ""
    code = f"import os, signal; {default}os.kill(os.getpid(), {sig})"
    bare = subprocess.run([PY, "-c", code], capture_output=True, timeout=60)
    assert bare.returncode == -sig  # what the caller sees without hermetic
    proc = run_hermetic([*flags, "--", PY, "-c", code])
    assert proc.returncode == -sig, proc.stderr
    assert proc.stderr == ""


# A caller that ignores SIGCHLD passes that on through exec. Without care the kernel reaps the
# target of a waiting run (a supervisor, a hosts file, a TMPDIR) before hermetic can wait for it,
# and the caller sees 0 for a failing target. The target still inherits SIGCHLD ignored.
IGNORES_SIGCHLD = (
    "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)
REPORTS_SIGCHLD = (
    "import signal; print(signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN); raise SystemExit(3)"
)
WAITING_RUNS = {
    "exec-in-place": ["--no-network"],
    "supervisor": ["--no-network", "--allow-localhost"],
    "hosts-file": ["--resolve", "api.test:127.0.0.1"],
    "tmpdir": ["--fs-readonly"],
}


@pytest.mark.parametrize("flags", WAITING_RUNS.values(), ids=WAITING_RUNS.keys())
def test_a_caller_that_ignores_sigchld_gets_the_target_status(flags, hermetic_bin, clean_env):
    bare = subprocess.run([PY, "-c", IGNORES_SIGCHLD, PY, "-c", REPORTS_SIGCHLD],
                          capture_output=True, text=True, timeout=60)
    assert (bare.returncode, bare.stdout) == (3, "True\n"), bare.stderr
    proc = subprocess.run(
        [PY, "-c", IGNORES_SIGCHLD, hermetic_bin, *flags, "--", PY, "-c", REPORTS_SIGCHLD],
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )
    assert (proc.returncode, proc.stdout) == (bare.returncode, bare.stdout), proc.stderr


@pytest.mark.parametrize("explain", [[], ["--explain"]], ids=["run", "explain"])
def test_a_caller_that_ignores_sigchld_can_name_a_module(explain, hermetic_bin, clean_env):
    # A module target (python -m) is found by running the interpreter and waiting for it.
    proc = subprocess.run(
        [PY, "-c", IGNORES_SIGCHLD, hermetic_bin, "--no-network", *explain, "--", "json.tool",
         "--help"],
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )
    assert proc.returncode == 0, proc.stderr


TRAP = """
import pathlib, signal, sys
def on_signal(sig, frame):
    pathlib.Path(sys.argv[1]).write_text(signal.Signals(sig).name)
    sys.exit(0)
signal.signal(int(sys.argv[2]), on_signal)
print("ready", flush=True)
while True:
    signal.pause()
"""

RELAYED = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1]


@pytest.mark.parametrize("sig", RELAYED, ids=[s.name for s in RELAYED])
def test_signal_to_hermetic_reaches_target(sig, hermetic_bin, clean_env, tmp_path):
    marker = tmp_path / "trapped"
    with subprocess.Popen(
        [hermetic_bin, *BOTH, "--", PY, "-c", TRAP, str(marker), str(int(sig))],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=clean_env(),
    ) as proc:
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, "the target never said it was ready"
            assert proc.stdout.readline() == b"ready\n"
            os.kill(proc.pid, sig)  # hermetic only, not its process group
            _, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert marker.read_text() == sig.name, err
    assert proc.returncode == 0, err


# --- stdio and the terminal ----------------------------------------------------------------


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
def test_stdin_to_stdout_through_cat(flags, run_hermetic):
    data = os.urandom(1 << 20) + b"\nlast line without newline"
    proc = run_hermetic([*flags, "--", "cat"], input=data, text=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == data
    assert proc.stderr == b""


def test_stdin_to_stderr(run_hermetic):
    data = os.urandom(1 << 16)
    code = "import sys; sys.stderr.buffer.write(sys.stdin.buffer.read())"
    proc = run_hermetic([*BOTH, "--", PY, "-c", code], input=data, text=False)
    assert proc.returncode == 0
    assert proc.stderr == data
    assert proc.stdout == b""


def test_terminal_passes_through(hermetic_bin, clean_env):
    code = "import os; print(os.ttyname(0), os.ttyname(1), os.ttyname(2))"
    controller, terminal = pty.openpty()
    try:
        name = os.ttyname(terminal)
        with subprocess.Popen([hermetic_bin, *BOTH, "--", PY, "-c", code], stdin=terminal,
                              stdout=terminal, stderr=terminal, env=clean_env()) as proc:
            os.close(terminal)
            terminal = -1
            out = b""
            while True:  # read until the terminal closes (EIO once the last writer is gone)
                ready, _, _ = select.select([controller], [], [], 60)
                assert ready, f"no output from the target; so far {out!r}"
                try:
                    chunk = os.read(controller, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            assert proc.wait(timeout=60) == 0, out
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert out.decode().split() == [name] * 3


# --- finding the target --------------------------------------------------------------------


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
def test_absolute_interpreter_path(flags, run_hermetic):
    python = Path("/usr/bin/python3")
    assert python.exists(), "this test needs the system interpreter at /usr/bin/python3"
    code = "import sys; print(sys.executable, 6 * 7)"
    proc = run_hermetic([*flags, "--", str(python), "-c", code])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(python), "42"]


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
def test_target_by_name_on_path(flags, run_hermetic, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "hermetic-test-tool"
    tool.write_text('#!/bin/sh\necho "tool ran with: $*"\n')
    tool.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    proc = run_hermetic([*flags, "--", "hermetic-test-tool", "a b", "c"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "tool ran with: a b c\n"


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
def test_env_shebang_script(flags, run_hermetic, tmp_path):
    # `#!/usr/bin/env NAME` finds NAME on PATH; under --no-subprocess that must still work.
    script = tmp_path / "script.py"
    script.write_text(
        "#!/usr/bin/env python3\nimport sys\nprint('script ran with', sys.argv[1:])\n"
    )
    script.chmod(0o755)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    proc = run_hermetic([*flags, "--", str(script), "a b", "c"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "script ran with ['a b', 'c']\n"


def test_python3_by_name(run_hermetic):
    # Whatever `python3` is on this PATH (a pyenv shim, a venv, /usr/bin) must run.
    proc = run_hermetic([*BOTH, "--", "python3", "-c", "print(6 * 7)"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "42\n"


# --- errors: one line each, the documented exit code, and the target never runs ------------


def test_unknown_flag(run_hermetic, tmp_path):
    marker = tmp_path / "ran"
    line = assert_one_error_line(run_hermetic(["--no-such-flag", "--", *writes(marker)]), 2)
    assert "--no-such-flag" in line
    assert not marker.exists()


def test_unknown_flags_are_named_in_the_order_given(run_hermetic, tmp_path):
    marker = tmp_path / "ran"
    line = assert_one_error_line(run_hermetic(["--foo", "--bar", "--", *writes(marker)]), 2)
    assert "unexpected argument: --foo --bar " in line
    assert not marker.exists()


SWITCHES = ["--no-network", "--allow-localhost", "--no-subprocess", "--no-environment", "--no-env",
            "--no-code-exec", "--block-native", "--no-interpreter-mutation", "--trace", "--seal"]


@pytest.mark.parametrize("switch", SWITCHES)
@pytest.mark.parametrize("value", ["0", "false", "off", "no"])
def test_a_switch_takes_no_value(switch, value, run_hermetic, tmp_path):
    """`--no-network=0` must not switch the capability back on (fail open); as in
    hermetic-seal, a value on a switch is a usage error and nothing runs."""
    marker = tmp_path / "ran"
    line = assert_one_error_line(run_hermetic([switch, f"{switch}={value}", "--",
                                               *writes(marker)]), 2)
    assert f"{switch} takes no value" in line
    assert not marker.exists()


def test_an_unambiguous_prefix_of_a_flag_is_that_flag(run_hermetic, listener, clean_env):
    """As argparse (hermetic-seal's parser) does: `--no-net` is --no-network, `--prof X` is
    --profile X; judged by the block each one causes."""
    code = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)"
    proc = run_hermetic(["--no-net", "--", PY, "-c", code, str(listener.port)], env=clean_env())
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("hermetic: blocked action: network disabled: "), proc.stderr
    assert listener.settle().total == 0
    proc = run_hermetic(["--prof", "exec-deny", "--", PY, "-c", "import os; os.system('true')"],
                        env=clean_env())
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("hermetic: blocked action: subprocess disabled"), proc.stderr


def test_an_ambiguous_prefix_is_a_usage_error(run_hermetic, tmp_path):
    marker = tmp_path / "ran"
    line = assert_one_error_line(run_hermetic(["--no", "--", *writes(marker)]), 2)
    assert "ambiguous option: --no could match --no-network, --no-subprocess" in line
    assert not marker.exists()


def test_missing_separator(run_hermetic, tmp_path):
    marker = tmp_path / "ran"
    line = assert_one_error_line(run_hermetic(["--no-network", *writes(marker)]), 2)
    assert "'--'" in line
    assert not marker.exists()


@pytest.mark.parametrize(
    ("flags", "exit_code"),
    [
        (["--fs-readonly=a\nb", "--fs-readonly=c"], 2),  # a usage error (tests/fuzz found it)
        (["--no-code-exec", "--deny-import", "bad\nname"], 1),  # a policy error
    ],
    ids=["usage", "policy"],
)
def test_a_line_break_in_user_text_stays_in_the_one_line(flags, exit_code, run_hermetic,
                                                         tmp_path):
    marker = tmp_path / "ran"
    line = assert_one_error_line(run_hermetic([*flags, "--", *writes(marker)]), exit_code)
    assert "\\n" in line
    assert not marker.exists()


def test_no_target_after_separator(run_hermetic):
    line = assert_one_error_line(run_hermetic(["--no-network", "--"]), 2)
    assert "target" in line


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
@pytest.mark.parametrize("target", ["does-not-exist-xyz", "/nonexistent-dir-xyz/tool"])
def test_target_not_found(flags, target, run_hermetic):
    line = assert_one_error_line(run_hermetic([*flags, "--", target]), 127)
    assert target in line


@pytest.mark.parametrize("flags", FLAG_SETS.values(), ids=FLAG_SETS.keys())
@pytest.mark.parametrize("kind", ["file-without-x", "directory"])
def test_target_not_executable(flags, kind, run_hermetic, tmp_path):
    target = tmp_path / "target"
    if kind == "directory":
        target.mkdir()
    else:
        target.write_text("#!/bin/sh\n: > ran\n")
        target.chmod(0o644)
    line = assert_one_error_line(run_hermetic([*flags, "--", str(target)], cwd=tmp_path), 126)
    assert str(target) in line
    assert not (tmp_path / "ran").exists()


# --- information -------------------------------------------------------------------------


def test_version(run_hermetic):
    proc = run_hermetic(["--version"])
    assert proc.returncode == 0
    assert re.fullmatch(r"hermetic \d+\.\d+\.\d+\S*\n", proc.stdout), proc.stdout
    assert proc.stderr == ""


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(flag, run_hermetic):
    proc = run_hermetic([flag])
    assert proc.returncode == 0
    assert "Usage: hermetic [flags] -- TARGET [ARGS...]" in proc.stdout
    for documented in ("--no-network", "--no-subprocess", "--check", "exit codes"):
        assert documented in proc.stdout
    assert proc.stderr == ""


def test_check_reports_kernel_features(run_hermetic):
    proc = run_hermetic(["--check"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.lower().splitlines()
    for feature in ("seccomp filter", "seccomp user notification", "landlock", "pidfd_getfd",
                    "user namespaces"):
        assert any(line.startswith(feature) for line in lines), (feature, proc.stdout)


@pytest.mark.parametrize("flags", [
    ["--fs-readonly"],  # the private TMPDIR
    ["--no-network", "--allow-domain", "api.test", "--resolve", "api.test:127.0.0.1"],  # hosts
], ids=["tmpdir", "hosts-overlay"])
def test_run_files_are_removed_when_the_target_dies_by_a_signal(flags, run_hermetic, clean_env,
                                                                 tmp_path):
    """The caller sees the target's signal death (hermetic either became the target, or mirrors
    the death by dying of the same signal, which skips destructors), and the files made for the
    run are gone: the hosts file before a waiting parent dies, the TMPDIR once its detached
    cleaner has seen the target exit."""
    proc = run_hermetic([*flags, "--", "sh", "-c", "kill -TERM $$"],
                        env=clean_env({"TMPDIR": str(tmp_path)}))
    assert proc.returncode == -signal.SIGTERM, proc.stderr
    deadline = time.monotonic() + 30
    while list(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("abi", ["5", "1"])
def test_no_network_below_landlock_abi_6_runs_supervised(abi, run_hermetic, tmp_path: Path):
    # Below Landlock's abstract-unix scope (ABI 6) the supervisor decides every connect and
    # addressed send instead (tests/bypass/test_bypass_net_abstract_unix.py holds the escape):
    # programs still run. (Without Landlock at all, see below.)
    marker = tmp_path / "ran"
    for flags in (["--no-network"], ["--no-network", "--allow-localhost"]):
        proc = run_hermetic([*flags, "--", "touch", str(marker)],
                            env={"HERMETIC_LANDLOCK_ABI_MAX": abi})
        assert proc.returncode == 0, proc.stderr
        assert marker.exists()
        marker.unlink()


@pytest.mark.parametrize("flag", ["--no-network", "--no-environment", "--no-subprocess"])
def test_kernel_without_landlock_fails_closed(flag, run_hermetic, tmp_path: Path):
    # Without a Landlock domain a --no-network or --no-environment target could drive another
    # process of its user (ptrace, /proc/PID/mem): the run is refused, not weakened.
    # HERMETIC_LANDLOCK_ABI_MAX=0 plays a kernel without Landlock (it only takes features away).
    marker = tmp_path / "ran"
    proc = run_hermetic([flag, "--", "touch", str(marker)],
                        env={"HERMETIC_LANDLOCK_ABI_MAX": "0"})
    line = assert_one_error_line(proc, 1)
    assert "no Landlock" in line
    assert not marker.exists()
    # With Landlock the same run goes ahead (the refusal is about the kernel, not the flag).
    assert run_hermetic([flag, "--", "touch", str(marker)]).returncode == 0 and marker.exists()
