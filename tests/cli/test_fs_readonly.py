"""--fs-readonly and --fs-readonly=ROOT end to end: the exceptions work, real programs run.

Route-by-route escape attempts live in tests/bypass/test_fs_*.py.
"""

from __future__ import annotations

import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from fs_helpers import TIMEOUT, gone_soon, hermetic, hermetic_bin, run, snapshot

WRITE = "import sys; open(sys.argv[1], 'w').write('written')"


# --- writable exceptions ----------------------------------------------------------------------


def test_allow_write_dir_is_writable_and_nothing_beside_it(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    sibling = tmp_path / "sibling"
    allowed.mkdir()
    sibling.mkdir()
    before = snapshot(sibling)
    script = (
        "import os, sys\n"
        "a, b = sys.argv[1:3]\n"
        "os.makedirs(a + '/deep/er')\n"
        "open(a + '/deep/er/f', 'w').write('ok')\n"
        "os.rename(a + '/deep/er/f', a + '/moved')\n"  # renames across its subdirectories work
        "try:\n    open(b + '/f', 'w')\nexcept OSError as e:\n    print('blocked:', e.errno)\n"
        "try:\n    open(os.path.dirname(a) + '/f', 'w')\nexcept OSError as e:\n"
        "    print('blocked:', e.errno)\n"
    )
    # The kernel layer alone: its refusals are EACCES from Landlock.
    result = hermetic(
        ["--fs-readonly", "--allow-write", str(allowed)],
        [sys.executable, "-c", script, str(allowed), str(sibling)],
        env={**os.environ, "HERMETIC_INPROCESS": "0"},
    )
    assert result.returncode == 0, result.stderr
    assert (allowed / "moved").read_text() == "ok"
    assert snapshot(sibling) == before
    assert not (tmp_path / "f").exists()
    assert result.stdout.count("blocked: 13") == 2

    # Both layers, as users run it: the in-process layer agrees on the writable directory, and
    # its refusals are the same EACCES, which the program handles as it did the kernel's.
    shutil.rmtree(allowed)
    allowed.mkdir()
    result = hermetic(
        ["--fs-readonly", "--allow-write", str(allowed)],
        [sys.executable, "-c", script, str(allowed), str(sibling)],
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert (allowed / "moved").read_text() == "ok"
    assert snapshot(sibling) == before
    assert not (tmp_path / "f").exists()
    assert result.stdout.count("blocked: 13") == 2


def test_allow_write_is_repeatable(tmp_path: Path) -> None:
    """Each --allow-write adds a writable place; the rest stays read-only."""
    first, second, other = tmp_path / "first", tmp_path / "second", tmp_path / "other"
    for d in (first, second, other):
        d.mkdir()
    script = (
        "import sys\n"
        "for d in sys.argv[1:]:\n"
        "    try:\n        open(d + '/f', 'w').write('x'); print('wrote', d)\n"
        "    except PermissionError:\n        print('refused', d)\n"
    )
    result = hermetic(["--fs-readonly", "--allow-write", str(first), f"--allow-write={second}"],
                      [sys.executable, "-c", script, str(first), str(second), str(other)],
                      env={**os.environ, "HERMETIC_INPROCESS": "0"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"wrote {first}", f"wrote {second}", f"refused {other}"]
    assert (first / "f").exists() and (second / "f").exists() and not (other / "f").exists()


def test_allow_write_file_is_writable_and_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "log.txt"
    target.write_text("")
    result = hermetic(
        ["--fs-readonly", f"--allow-write={target}"],
        [sys.executable, "-c", WRITE, str(target)],
    )
    assert result.returncode == 0, result.stderr
    assert target.read_text() == "written"
    result = hermetic(
        ["--fs-readonly", f"--allow-write={target}"],
        [sys.executable, "-c", WRITE, str(tmp_path / "beside.txt")],
    )
    assert result.returncode != 0
    assert not (tmp_path / "beside.txt").exists()


def test_missing_allow_write_path_is_a_one_line_error(tmp_path: Path) -> None:
    result = hermetic(["--fs-readonly", "--allow-write", str(tmp_path / "nope")], ["true"])
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("hermetic: error: --allow-write")
    assert str(tmp_path / "nope") in result.stderr


def test_missing_root_is_a_one_line_error(tmp_path: Path) -> None:
    result = hermetic([f"--fs-readonly={tmp_path / 'nope'}"], ["true"])
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "hermetic: error:" in result.stderr


def test_private_tmpdir_is_writable_exported_and_removed(tmp_path: Path) -> None:
    script = (
        "import os, tempfile\n"
        "d = os.environ['TMPDIR']\n"
        "assert os.environ['TMP'] == d == os.environ['TEMP'] == tempfile.gettempdir()\n"
        "fd, path = tempfile.mkstemp()\n"
        "os.write(fd, b'x'); os.close(fd)\n"
        "sub = tempfile.mkdtemp()\n"
        "os.rename(path, sub + '/moved')\n"
        "os.mkfifo(sub + '/fifo')\n"
        "print(d)\n"
        "print(sorted(os.listdir(sub)))\n"
    )
    result = hermetic(["--fs-readonly"], [sys.executable, "-c", script])
    assert result.returncode == 0, result.stderr
    tmpdir, listing = result.stdout.splitlines()
    assert listing == "['fifo', 'moved']"
    assert Path(tmpdir).name.startswith("hermetic-")
    assert gone_soon(Path(tmpdir))  # removed after the target exited


def test_truncation_in_the_tmpdir_through_a_writable_fd() -> None:
    """Truncation is refused only without write access (seccomp, not Landlock's TRUNCATE, which
    would make every open walk its path): through an fd open for writing it works in the
    TMPDIR; truncate(2) by path is refused there too, like chmod."""
    script = (
        "import os, tempfile\n"
        "path = os.path.join(tempfile.gettempdir(), 'f')\n"
        "open(path, 'w').write('abcdef')\n"
        "fd = os.open(path, os.O_RDWR)\n"
        "os.ftruncate(fd, 3); os.close(fd)\n"
        "print(open(path).read())\n"
        "open(path, 'w').write('xy')\n"  # O_WRONLY | O_TRUNC of an existing file
        "print(open(path).read())\n"
        "try:\n    os.truncate(path, 0)\nexcept OSError as e:\n    print('truncate', e.errno)\n"
    )
    for inprocess in ("1", "0"):
        result = hermetic(["--fs-readonly"], [sys.executable, "-c", script],
                          env={**os.environ, "HERMETIC_INPROCESS": inprocess})
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["abc", "xy", "truncate 30"]  # EROFS


@pytest.mark.parametrize("flags", [["--no-subprocess"], ["--no-network"], []],
                         ids=["no-subprocess", "no-network", "alone"])
def test_renames_across_tmpdir_subdirectories_work_with_other_layers(flags: list[str]) -> None:
    """Every Landlock layer of a run refuses renames across directories unless it handles REFER
    and grants it: the exec limit and the scope layer (signals, abstract sockets) grant it
    everywhere, so only the read-only layer decides."""
    script = (
        "import os, tempfile\n"
        "d = tempfile.mkdtemp()\n"
        "os.mkdir(d + '/a'); os.mkdir(d + '/b')\n"
        "open(d + '/a/x', 'w').close()\n"
        "os.rename(d + '/a/x', d + '/b/x')\n"
        "print(os.listdir(d + '/b'))\n"
    )
    result = hermetic([*flags, "--fs-readonly"], [sys.executable, "-c", script])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['x']\n"


def test_private_tmpdir_removed_when_target_dies_by_signal(tmp_path: Path) -> None:
    marker = tmp_path / "where"
    script = (
        "import os, signal, sys\n"
        "open(os.environ['TMPDIR'] + '/f', 'w').write('x')\n"
        "print(os.environ['TMPDIR'], flush=True)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
    )
    result = hermetic(
        ["--fs-readonly", f"--allow-write={tmp_path}"],
        ["sh", "-c", f'"$0" -c "$1" > {marker}', sys.executable, script],
    )
    assert result.returncode != 0
    tmpdir = marker.read_text().strip()
    assert tmpdir and gone_soon(Path(tmpdir))


def test_cleaner_removes_a_deep_tree() -> None:
    """The cleaner recurses once per directory level the target made: thousands of levels (made
    through directory fds, as no path could name them) are still removed."""
    script = (
        "import os\n"
        "fd = os.open(os.environ['TMPDIR'], os.O_RDONLY)\n"
        "for _ in range(5000):\n"
        "    os.mkdir('d', dir_fd=fd)\n"
        "    fd, old = os.open('d', os.O_RDONLY, dir_fd=fd), fd\n"
        "    os.close(old)\n"
        "print(os.environ['TMPDIR'])\n"
    )
    # remove_tree holds one fd per level: the cleaner inherits this process's limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard >= 6000, f"the test needs RLIMIT_NOFILE of 6000 or more; the hard limit is {hard}"
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 6000), hard))
    try:
        # The kernel layer alone: the in-process guard refuses mkdir relative to an fd.
        result = hermetic(["--fs-readonly"], [sys.executable, "-c", script],
                          env={**os.environ, "HERMETIC_INPROCESS": "0"})
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert result.returncode == 0, result.stderr
    assert gone_soon(Path(result.stdout.strip()))


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except FileNotFoundError:
        return []


def _cleaner_of(hermetic_pid: int) -> int:
    """The detached cleaner: the child of the target (the process hermetic became, or the child
    a waiting hermetic started) in a session of its own."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for target in (hermetic_pid, *_children(hermetic_pid)):
            for child in _children(target):
                if os.getsid(child) == child:
                    return child
        time.sleep(0.005)
    pytest.fail("no cleaner process")


def test_private_tmpdir_removed_when_target_is_sigkilled() -> None:
    """SIGKILL of the run is SIGKILL of the target (hermetic waits for it to serve its metadata
    calls, and the target dies with it); its cleaner (outside the sandbox, in a session of its
    own) still removes the TMPDIR and what it holds."""
    proc = subprocess.Popen(
        [hermetic_bin(), "--fs-readonly", "--", "sh", "-c",
         'mkdir "$TMPDIR/d" && echo x > "$TMPDIR/d/f" && echo "$TMPDIR" && exec sleep 60'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout is not None
        tmpdir = Path(proc.stdout.readline().strip())
        assert (tmpdir / "d" / "f").exists()
        cleaner = _cleaner_of(proc.pid)
        assert os.getsid(cleaner) == cleaner  # no terminal signal reaches it
        proc.kill()
        assert proc.wait(TIMEOUT) == -9
        assert gone_soon(tmpdir)
    finally:
        proc.kill()
        proc.wait(TIMEOUT)


def test_target_cannot_stop_its_cleaner() -> None:
    """The cleaner is the target's child but outside the sandbox; the signal scope (Landlock
    ABI 6) keeps the target from killing it, so the TMPDIR still goes."""
    check = subprocess.run([hermetic_bin(), "--check"], capture_output=True, text=True,
                           timeout=TIMEOUT).stdout
    found = re.search(r"^landlock:\s+ABI (\d+)", check, re.MULTILINE)
    assert found and int(found[1]) >= 6, f"this test needs Landlock ABI 6 (signal scope): {check}"
    script = (
        "import os, signal\n"
        "me = os.getpid()\n"
        "for child in open(f'/proc/{me}/task/{me}/children').read().split():\n"
        "    try:\n        os.kill(int(child), signal.SIGKILL); print('killed')\n"
        "    except OSError as e:\n        print('refused', e.errno)\n"
        "open(os.environ['TMPDIR'] + '/left', 'w').close()\n"
        "print(os.environ['TMPDIR'])\n"
    )
    result = hermetic(["--fs-readonly"], [sys.executable, "-c", script])
    assert result.returncode == 0, result.stderr
    verdict, tmpdir = result.stdout.splitlines()
    assert verdict == "refused 1"  # EPERM
    assert gone_soon(Path(tmpdir))


def test_cleaner_holds_no_file_of_the_run_and_is_not_the_targets_to_wait_for() -> None:
    """The cleaner keeps none of the caller's descriptors (a reader of the target's output gets
    end-of-file when the target exits, not when the cleaner does), and the target's wait() does
    not see it: waiting for any child with none of its own fails at once instead of hanging."""
    script = (
        "import os, sys\n"
        "try:\n    os.wait()\n"
        "except ChildProcessError:\n    print('no child of its own', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [hermetic_bin(), "--fs-readonly", "--", sys.executable, "-c", script],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline() == "no child of its own\n"
        cleaner = _cleaner_of(proc.pid)
        held = {os.readlink(f"/proc/{cleaner}/fd/{fd}") for fd in os.listdir(f"/proc/{cleaner}/fd")}
        assert held <= {"anon_inode:[pidfd]", *(h for h in held if h.startswith("pipe:"))}, held
        ours = {os.readlink(f"/proc/self/fd/{f.fileno()}")
                for f in (proc.stdin, proc.stdout, proc.stderr) if f is not None}
        assert not held & ours, (held, ours)
        proc.stdin.close()
        assert proc.wait(TIMEOUT) == 0
    finally:
        proc.kill()
        proc.wait(TIMEOUT)


def _links(pid: int) -> set[str]:
    links = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:  # closed meanwhile
            pass
    return links


def test_the_supervisors_listener_stays_with_hermetic() -> None:
    """The child that becomes the target shares hermetic's descriptor table until its exec, where
    its seccomp listener is made: the exec leaves it to hermetic alone. A target holding it could
    answer its own supervised calls."""
    proc = subprocess.Popen(
        [hermetic_bin(), "--fs-readonly", "--", "sh", "-c", "echo ready; exec sleep 60"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        deadline = time.monotonic() + TIMEOUT
        targets: list[int] = []
        while time.monotonic() < deadline:  # until the exec of sleep is done
            targets = [c for c in _children(proc.pid) if os.path.basename(
                os.readlink(f"/proc/{c}/exe")) == "sleep"]
            if targets:
                break
            time.sleep(0.01)
        assert targets, "no target"
        assert any("seccomp" in link for link in _links(proc.pid))  # the way of looking works
        assert not any("seccomp" in link for link in _links(targets[0]))
    finally:
        proc.kill()
        proc.wait(TIMEOUT)


def test_dev_null_and_inherited_stdout_stay_writable(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:  # opened before the sandbox: Landlock checks at open
        proc = subprocess.run(
            [hermetic_bin(), "--fs-readonly", "--", "sh", "-c", "echo gone > /dev/null; echo kept"],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "kept\n"


def test_stdio_files_can_be_reopened_by_path(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    src = tmp_path / "in.txt"
    src.write_text("input\n")
    root = tmp_path / "root"
    root.mkdir()
    with out.open("w") as stdout, src.open() as stdin:
        proc = subprocess.run(
            [
                hermetic_bin(),
                f"--fs-readonly={root}",
                "--",
                "sh",
                "-c",
                'cat /dev/stdin > /dev/stdout; echo beside > "$0"',
                str(tmp_path / "beside"),
            ],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert out.read_text() == "input\n", proc.stderr
    assert not (tmp_path / "beside").exists()


# --- Python under --fs-readonly -------------------------------------------------------------------


def test_python_imports_without_writing_bytecode(tmp_path: Path) -> None:
    (tmp_path / "mymod.py").write_text("VALUE = 42\n")
    args = [sys.executable, "-c", "import mymod; print(mymod.VALUE)"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    result = hermetic(["--fs-readonly"], args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "42\n"
    assert result.stderr == ""  # CPython drops a failed .pyc write silently
    assert not (tmp_path / "__pycache__").exists()

    control = run(args, cwd=tmp_path, env=env)  # without hermetic the .pyc is written
    assert control.stdout == "42\n"
    assert (tmp_path / "__pycache__").is_dir()


def test_python_loads_system_cas_under_readonly() -> None:
    code = (
        "import json, sqlite3, ssl\n"
        "print(ssl.create_default_context().cert_store_stats()['x509_ca'])"
    )
    result = hermetic(["--fs-readonly"], ["python3", "-c", code])
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0


@pytest.mark.parametrize(("program", "expected"), [("pip", "pip "), ("git", "git version")])
def test_real_programs_run_under_readonly(program: str, expected: str) -> None:
    if shutil.which(program) is None:
        pytest.fail(f"{program} is not installed; the test environment needs it")
    result = hermetic(["--fs-readonly"], [program, "--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)


# --- --fs-readonly=ROOT: programs still start -----------------------------------------------------

CHECK_PYTHON = (
    "import json, sqlite3, ssl, sys, os\n"
    "n = ssl.create_default_context().cert_store_stats()['x509_ca']\n"
    "print(sys.prefix, n, open(os.path.join(sys.argv[1], 'data.txt')).read())\n"
)


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "data.txt").write_text("own-data")
    return root


def check_python_in_root(python: str, root: Path, expected_prefix: str | None = None) -> None:
    result = hermetic([f"--fs-readonly={root}"], [python, "-c", CHECK_PYTHON, str(root)])
    assert result.returncode == 0, result.stderr
    prefix, cas, data = result.stdout.split()
    assert int(cas) > 0
    assert data == "own-data"
    if expected_prefix is not None:
        assert prefix == expected_prefix


def test_root_script_reads_its_own_data(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "tool.py").write_text(
        "import pathlib\nprint(pathlib.Path(__file__).with_name('data.txt').read_text())\n"
    )
    result = hermetic([f"--fs-readonly={root}"], [sys.executable, str(root / "tool.py")])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "own-data\n"


# Prints each file named on the command line, or how reading it was refused.
READ_EACH_ARGUMENT = (
    "import sys\n"
    "for path in sys.argv[1:]:\n"
    "    try:\n        print(open(path).read())\n"
    "    except PermissionError as e:\n        print('denied', type(e).__name__)\n"
)
# Who refuses shows which layer decided: the in-process layer raises its own PermissionError
# subclass before the kernel is asked; the kernel layer alone gives EACCES.
REFUSED_BY_LAYER = {"1": "ReadOutsideRootViolation", "0": "PermissionError"}


def test_allow_read_is_repeatable(tmp_path: Path) -> None:
    """Each --allow-read adds a readable place under a read root, in both layers."""
    root = make_root(tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    for d in (first, second):
        d.mkdir()
        (d / "f.txt").write_text(d.name)
    (tmp_path / "secret.txt").write_text("secret")
    targets = [str(first / "f.txt"), str(second / "f.txt"), str(tmp_path / "secret.txt")]
    for inprocess, refusal in REFUSED_BY_LAYER.items():
        result = hermetic([f"--fs-readonly={root}", "--allow-read", str(first),
                           f"--allow-read={second}"],
                          [sys.executable, "-c", READ_EACH_ARGUMENT, *targets],
                          env={**os.environ, "HERMETIC_INPROCESS": inprocess})
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["first", "second", f"denied {refusal}"]


def test_allow_read_given_through_a_symlink(tmp_path: Path) -> None:
    """An --allow-read path that is a symlink grants its target, in both layers (the in-process
    layer resolves such an entry when a path does not lie below it as given)."""
    root = make_root(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "f.txt").write_text("shared-data")
    link = tmp_path / "link-to-shared"
    link.symlink_to(shared)
    (tmp_path / "secret.txt").write_text("secret")
    targets = [str(link / "f.txt"), str(shared / "f.txt"), str(tmp_path / "secret.txt")]
    for inprocess, refusal in REFUSED_BY_LAYER.items():
        result = hermetic([f"--fs-readonly={root}", "--allow-read", str(link)],
                          [sys.executable, "-c", READ_EACH_ARGUMENT, *targets],
                          env={**os.environ, "HERMETIC_INPROCESS": inprocess})
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["shared-data", "shared-data", f"denied {refusal}"]


def test_root_executable_script_with_env_shebang(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    tool = root / "tool"
    tool.write_text("#!/usr/bin/env python3\nimport sys, os\nprint(open(sys.argv[1]).read())\n")
    tool.chmod(0o755)
    result = hermetic([f"--fs-readonly={root}"], [str(tool), str(root / "data.txt")])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "own-data\n"


def test_root_with_debian_python(tmp_path: Path) -> None:
    if not Path("/usr/bin/python3").exists():
        pytest.fail("/usr/bin/python3 is missing")
    check_python_in_root("/usr/bin/python3", make_root(tmp_path), "/usr")


PYENV_PYTHONS = sorted(glob.glob("/root/.pyenv/versions/*/bin/python3"))


@pytest.mark.parametrize("python", PYENV_PYTHONS or ["<none>"])
def test_root_with_pyenv_python(python: str, tmp_path: Path) -> None:
    if python == "<none>":
        pytest.skip("no pyenv-managed python3 on this machine")
    check_python_in_root(python, make_root(tmp_path), str(Path(python).parents[1]))


def test_root_with_pyenv_shim_on_path(tmp_path: Path) -> None:
    shims = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "shims"
    if not (shims / "python3").exists():
        pytest.skip("no pyenv on this machine")
    # `pyenv exec` (which runs pytest here) puts the version's bin first; put the shim first.
    env = {**os.environ, "PATH": f"{shims}:{os.environ['PATH']}"}
    root = make_root(tmp_path)
    result = hermetic(
        [f"--fs-readonly={root}"], ["python3", "-c", CHECK_PYTHON, str(root)], env=env
    )
    assert result.returncode == 0, result.stderr
    prefix, cas, data = result.stdout.split()
    assert "/.pyenv/versions/" in prefix and int(cas) > 0 and data == "own-data"


@pytest.mark.parametrize("base", ["/usr/bin/python3", sys.executable])
def test_root_with_a_venv_python(base: str, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    created = run([base, "-m", "venv", "--without-pip", str(venv)])
    assert created.returncode == 0, created.stderr
    check_python_in_root(str(venv / "bin" / "python"), make_root(tmp_path), str(venv))


# --- --explain ---------------------------------------------------------------------------------


def test_explain_prints_layers_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    root = make_root(tmp_path)
    result = hermetic(
        ["--fs-readonly=" + str(root), "--allow-write", str(tmp_path), "--explain"],
        ["touch", str(marker)],
    )
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    text = result.stdout
    assert "layer 1: read-only filesystem" in text
    assert f"layer 2: reads confined to {root}" in text
    assert "exec chain" in text and shutil.which("touch") is not None
    assert os.path.realpath(shutil.which("touch")) in text
    for needle in ("--allow-write", "private TMPDIR", "chmod", "EROFS", "/etc/ssl"):
        assert needle in text
    assert not list(Path("/tmp").glob("hermetic-XXXXXX"))


def test_explain_needs_a_target() -> None:
    result = run([hermetic_bin(), "--fs-readonly", "--explain"])
    assert result.returncode == 2
    assert "--explain needs the target" in result.stderr


def test_an_interpreter_the_kernel_would_not_run_is_not_granted(tmp_path: Path) -> None:
    """Under a read root the files of the exec chain become readable. The `#!` line is read
    when the run is planned and again by the kernel at exec, so a script rewritten in between
    could have a secret granted as its "interpreter". Only executable files are granted: a
    chain naming another one is a one-line error, and nothing runs."""
    root = make_root(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    script = root / "run.sh"
    script.write_text(f"#!{secret}\n")
    script.chmod(0o755)
    result = hermetic([f"--fs-readonly={root}", "--explain"], [str(script)])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "is not an executable file" in result.stderr
    assert str(secret) not in result.stdout


def test_cleaner_removes_no_more_than_the_target_could(tmp_path: Path) -> None:
    """A target (unprivileged) moves a directory of an --allow-write place into its TMPDIR. In
    it, a directory its owner made unreadable (mode 0) holds a file; the target cannot remove
    that file (chmod is refused under --fs-readonly), and its cleaner must not either: it opens
    up only directories made during the run."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.fail("the test needs root and setpriv(1) to run hermetic as nobody")
    shared = Path(tempfile.mkdtemp(prefix="hermetic-deputy-"))
    tmpdir: Path | None = None
    try:
        shared.chmod(0o755)
        binary = shared / "hermetic"
        shutil.copy(hermetic_bin(), binary)
        binary.chmod(0o755)
        writable = shared / "w"
        (writable / "P" / "D").mkdir(parents=True)
        keep = writable / "P" / "D" / "keep.txt"
        keep.write_text("keep")
        for path in (writable, writable / "P", writable / "P" / "D", keep):
            os.chown(path, 65534, 65534)
        (writable / "P" / "D").chmod(0)
        script = ("import os, shutil\n"
                  "tmp = os.environ['TMPDIR']\n"
                  f"os.rename({str(writable / 'P')!r}, tmp + '/P')\n"
                  "print(tmp)\n")
        result = subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", str(binary),
             "--fs-readonly", f"--allow-write={writable}", "--", "/usr/bin/python3", "-c",
             script],
            capture_output=True, text=True, timeout=TIMEOUT,
            env={**os.environ, "HERMETIC_INPROCESS": "0"}, cwd=shared)
        assert result.returncode == 0, result.stderr
        tmpdir = Path(result.stdout.strip())
        time.sleep(1)  # the cleaner has had its go: it removes what it may within milliseconds
        assert (tmpdir / "P" / "D" / "keep.txt").read_text() == "keep"
    finally:
        for leftover in (shared, tmpdir):
            if leftover is not None:
                subprocess.run(["chmod", "-R", "u+rwx", str(leftover)], check=False)
                shutil.rmtree(leftover, ignore_errors=True)


# --- a read root with the other flags ---------------------------------------------------------


def test_two_read_roots_are_a_usage_error(tmp_path: Path) -> None:
    """A read root is one directory: a second one is refused, naming both, not silently kept
    in place of the first."""
    first, second = make_root(tmp_path), tmp_path / "second"
    second.mkdir()
    marker = tmp_path / "ran"
    result = hermetic([f"--fs-readonly={first}", f"--fs-readonly={second}",
                       f"--allow-write={tmp_path}"], [sys.executable, "-c", WRITE, str(marker)])
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("hermetic: error: ")
    assert str(first) in result.stderr and str(second) in result.stderr
    assert not marker.exists()
    # The same root twice, or a bare --fs-readonly beside it, is one read root.
    result = hermetic([f"--fs-readonly={first}", "--fs-readonly", f"--fs-readonly={first}",
                       f"--allow-write={tmp_path}"], [sys.executable, "-c", WRITE, str(marker)])
    assert result.returncode == 0, result.stderr
    assert marker.exists()


CONNECT_BY_NAME = (
    "import socket, sys\n"
    "socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30).close()\n"
)


@pytest.mark.parametrize("inprocess", ["0", "1"])
def test_pinned_names_resolve_under_a_read_root(inprocess: str, tmp_path: Path,
                                                listener) -> None:
    """--resolve and --allow-domain give the target its own /etc/hosts (a file hermetic writes
    and mounts over it): a read root must let the target read that file, or no pinned name
    resolves."""
    root = make_root(tmp_path)
    result = hermetic(
        [f"--fs-readonly={root}", "--no-network", "--allow-domain", "api.test", "--resolve",
         "api.test:127.0.0.1"],
        [sys.executable, "-c", CONNECT_BY_NAME, "api.test", str(listener.port)],
        env={**os.environ, "HERMETIC_INPROCESS": inprocess},
    )
    assert result.returncode == 0, result.stderr
    assert listener.settle().tcp == 1


def test_an_unreadable_home_does_not_stop_hermetic(tmp_path: Path) -> None:
    """A Python target's user site lies under HOME; a HOME hermetic may not enter is left out
    of the read rules (the target could not read it either), not a reason to refuse the run."""
    setpriv = shutil.which("setpriv")
    python = "/usr/bin/python3"
    if os.geteuid() != 0 or setpriv is None or not os.access(python, os.X_OK):
        pytest.skip("needs root, setpriv and /usr/bin/python3 to run as another user")
    shared = Path(tempfile.mkdtemp(prefix="hermetic-home-"))
    try:
        os.chmod(shared, 0o755)
        binary = shared / "hermetic"
        shutil.copy(hermetic_bin(), binary)
        os.chmod(binary, 0o755)
        home = shared / "home"
        home.mkdir(mode=0o700)  # root's: nobody may not enter it
        root = shared / "root"
        root.mkdir()
        (root / "data.txt").write_text("own-data")
        os.chmod(root, 0o755)
        result = run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", str(binary),
             f"--fs-readonly={root}", "--", python, "-c",
             "import sys; print(open(sys.argv[1]).read())", str(root / "data.txt")],
            env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
            cwd=shared,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "own-data\n"
    finally:
        shutil.rmtree(shared, ignore_errors=True)
