"""--no-subprocess --allow-exec PROGRAM: the listed programs (and the loaders they need) run,
nothing else does. Judged by side effect: the clone and the log a bare git gives, the program gcc
links (and runs), the file a refused program would write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
}


def git_flags() -> list[str]:
    """git and what a clone of a local repository runs: its helpers, and the shell it starts
    git-upload-pack with."""
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                               check=True).stdout.strip()
    return ["--no-subprocess", "--allow-exec", "git", "--allow-exec", exec_path,
            "--allow-exec", "sh"]


def gcc_flags() -> list[str]:
    """gcc and its helpers, as gcc names them (a bare name is found on PATH)."""
    helpers = [subprocess.run(["gcc", f"-print-prog-name={name}"], capture_output=True,
                              text=True, check=True).stdout.strip()
               for name in ("cc1", "as", "collect2", "ld")]
    flags = ["--no-subprocess", "--allow-exec", "gcc"]
    for helper in helpers:
        flags += ["--allow-exec", helper]
    return flags


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("git") / "src"
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    (repo / "f.txt").write_text("one\n")
    subprocess.run(["git", "-C", str(repo), "add", "f.txt"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "first"], check=True, env=env)
    return repo


def test_git_clone_and_log_as_bare(run_hermetic, source_repo, tmp_path):
    def run(flags: list[str], argv: list[str]) -> subprocess.CompletedProcess:
        return run_hermetic([*flags, "--", *argv], cwd=tmp_path, env=dict(GIT_ENV))

    bare = subprocess.run(["git", "clone", "-q", str(source_repo), str(tmp_path / "bare")],
                          capture_output=True, text=True, timeout=60, env={**os.environ, **GIT_ENV})
    assert bare.returncode == 0, bare.stderr
    bare_log = subprocess.run(["git", "-C", str(tmp_path / "bare"), "log", "--format=%H %s"],
                              capture_output=True, text=True, timeout=60, check=True).stdout

    flags = git_flags()
    clone = run(flags, ["git", "clone", "-q", str(source_repo), str(tmp_path / "sandboxed")])
    assert clone.returncode == 0, clone.stderr
    log = run(flags, ["git", "-C", str(tmp_path / "sandboxed"), "log", "--format=%H %s"])
    assert log.returncode == 0, log.stderr
    assert log.stdout == bare_log
    assert (tmp_path / "sandboxed" / "f.txt").read_text() == "one\n"

    # One program more (an alias running touch through the allowed shell) is refused.
    marker = tmp_path / "marker"
    alias = ["git", "-C", str(tmp_path / "sandboxed"), "-c", f"alias.mark=!touch {marker}",
             "mark"]
    assert subprocess.run(alias, capture_output=True, timeout=60).returncode == 0
    assert marker.exists()  # bare, the alias runs
    marker.unlink()
    refused = run(flags, alias)
    assert refused.returncode != 0
    assert not marker.exists(), refused.stderr


def test_gcc_compiles_and_links(run_hermetic, tmp_path):
    (tmp_path / "hello.c").write_text(
        '#include <stdio.h>\nint main(void) { FILE* f = fopen("ran", "w"); '
        "return f == NULL; }\n")
    flags = gcc_flags()
    built = run_hermetic([*flags, "--", "gcc", "hello.c", "-o", "hello"], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    # The program gcc linked is real: run bare, it writes its file.
    subprocess.run([str(tmp_path / "hello")], cwd=tmp_path, check=True, timeout=60)
    assert (tmp_path / "ran").exists()

    # C++ needs cc1plus, one program more: refused, no object file.
    shutil.copy(tmp_path / "hello.c", tmp_path / "hello.cpp")
    refused = run_hermetic([*flags, "--", "gcc", "-c", "hello.cpp", "-o", "hello_cpp.o"],
                           cwd=tmp_path)
    assert refused.returncode != 0
    assert not (tmp_path / "hello_cpp.o").exists(), refused.stderr
    assert "--allow-exec" in refused.stderr  # the preloaded library's line names the flag


@pytest.fixture(scope="module")
def static_writer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A statically linked program (no ELF loader) that creates the file argv[1] names."""
    bin_dir = tmp_path_factory.mktemp("bin")
    src = bin_dir / "writer.c"
    src.write_text('#include <stdio.h>\nint main(int c, char** v) { FILE* f = fopen(v[1], "w");'
                   " return c < 2 || f == NULL; }\n")
    subprocess.run(["gcc", "-static", "-O1", str(src), "-o", str(bin_dir / "writer")],
                   check=True, timeout=120)
    return bin_dir / "writer"


def test_static_programs_listed_and_as_the_target(run_hermetic, tmp_path, static_writer):
    """No loader in the chain: a static listed program, and a static target."""
    out = tmp_path / "out"
    proc = run_hermetic(["--no-subprocess", "--allow-exec", str(static_writer), "--",
                         "/bin/sh", "-c", f"{static_writer} {out}"])
    assert proc.returncode == 0, proc.stderr  # the target sh, then the listed program
    assert out.exists()
    target_out = tmp_path / "target-out"
    proc = run_hermetic(["--no-subprocess", "--allow-exec", "sh", "--", str(static_writer),
                         str(target_out)])
    assert proc.returncode == 0, proc.stderr
    assert target_out.exists()


def test_under_a_read_root_a_listed_program_is_readable_too(run_hermetic, tmp_path,
                                                            static_writer):
    """--fs-readonly=ROOT: a listed program outside ROOT runs (its file is granted read and
    execute); an unlisted one there stays refused."""
    root = tmp_path / "root"
    root.mkdir()
    other = static_writer.parent / "other-writer"
    shutil.copy(static_writer, other)
    flags = [f"--fs-readonly={root}", "--allow-write", str(root), "--no-subprocess",
             "--allow-exec", str(static_writer), "--allow-exec", "sh", "--", "sh", "-c"]
    proc = run_hermetic([*flags, f"{static_writer} {root / 'out'}"], cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "out").exists()
    proc = run_hermetic([*flags, f"{other} {root / 'other-out'}"], cwd=root)
    assert proc.returncode != 0
    assert not (root / "other-out").exists()


def test_a_script_target_and_a_listed_script(run_hermetic, tmp_path):
    """The target's #! chain runs; a listed script needs its interpreter listed (or to be the
    target's own), else the policy is refused before anything runs."""
    script = tmp_path / "writes.sh"
    script.write_text('#!/bin/sh\n: > "$1"\n')
    script.chmod(0o755)
    out = tmp_path / "out"
    # The target is a Python; the listed script's interpreter is not granted: an error.
    proc = run_hermetic(["--no-subprocess", "--allow-exec", str(script), "--",
                         sys.executable, "-c", "pass"])
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "#! interpreter /bin/sh" in proc.stderr, proc.stderr
    # Listed with its interpreter, it runs from a target that is itself a script.
    target = tmp_path / "target.sh"
    target.write_text(f'#!/bin/sh\n{script} {out}\n')
    target.chmod(0o755)
    proc = run_hermetic(["--no-subprocess", "--allow-exec", str(script), "--allow-exec", "sh",
                         "--", str(target)])
    assert proc.returncode == 0, proc.stderr
    assert out.exists()


@pytest.mark.parametrize("entry, message", [
    ("/nonexistent/tool", "--allow-exec path does not exist: /nonexistent/tool"),
    ("no-such-program-here", "--allow-exec: no program named 'no-such-program-here' on PATH"),
])
def test_bad_entries(run_hermetic, entry, message):
    proc = run_hermetic(["--no-subprocess", "--allow-exec", entry, "--", "true"])
    assert proc.returncode == 1
    assert proc.stderr == f"hermetic: error: {message}\n"


def test_needs_no_subprocess(run_hermetic):
    proc = run_hermetic(["--allow-exec", "true", "--", "true"])
    assert proc.returncode == 1, proc.stderr
    assert "--allow-exec" in proc.stderr and "--no-subprocess" in proc.stderr


def test_python_refusal_names_the_flag(run_hermetic, tmp_path):
    """The in-process layer lets a listed program and the target itself through (as the kernel
    does), and names --allow-exec for another."""
    marker = tmp_path / "marker"
    code = ("import subprocess, sys; subprocess.run(['true'], check=True); "
            "subprocess.run([sys.executable, '-c', 'pass'], check=True); "
            "subprocess.run(['touch', sys.argv[1]])")
    proc = run_hermetic(["--no-subprocess", "--allow-exec", "true", "--", sys.executable, "-c",
                         code, str(marker)])
    assert proc.returncode == 2, proc.stderr
    assert "subprocess disabled: subprocess.Popen(touch)" in proc.stderr
    assert f"(allow with --allow-exec {shutil.which('touch')})" in proc.stderr
    assert not marker.exists()


def test_python_fexecve_of_a_listed_program_runs(run_hermetic, tmp_path):
    """os.execve(fd, ...) runs the fd's file: a listed one runs (the in-process layer refused
    every exec through an fd, where the kernel judges the file), an unlisted one is refused."""
    marker = tmp_path / "marker"
    code = ("import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); "
            "os.execve(fd, ['touch', sys.argv[2]], dict(os.environ))")
    touch = os.path.realpath(shutil.which("touch"))
    args = ["--no-subprocess", "--", sys.executable, "-c", code, touch, str(marker)]
    refused = run_hermetic(["--allow-exec", "true", *args])
    assert refused.returncode == 2, refused.stderr
    assert not marker.exists()
    ran = run_hermetic(["--allow-exec", "touch", *args])
    assert ran.returncode == 0, ran.stderr
    assert marker.exists()


def elf_loader() -> str:
    """This Python's ELF loader, which a listed dynamically linked program needs too."""
    with open("/proc/self/maps") as maps:
        return next(line.split()[-1] for line in maps
                    if "/ld-linux" in line or "/ld-musl" in line)


def test_the_elf_loader_route_is_a_documented_limit(run_hermetic, tmp_path):
    """The loader of a listed program is granted, and run as a program it maps the file named
    on its command line itself: that is loading native code, which the kernel layer leaves to
    --block-native (docs/subprocess.md). The in-process layer refuses it for Python code: the
    loader is not listed. Pinned here so that closing it updates the docs."""
    marker = tmp_path / "marker"
    loader = elf_loader()
    code = "import os, sys; os.execv(sys.argv[1], sys.argv[1:])"
    argv = [sys.executable, "-c", code, loader, "/usr/bin/touch", str(marker)]
    subprocess.run(argv, check=True, timeout=60)
    assert marker.exists()  # bare: the route is real
    marker.unlink()

    flags = ["--no-subprocess", "--allow-exec", "sh", "--"]
    refused = run_hermetic([*flags, *argv])
    assert refused.returncode == 2, refused.stderr
    assert f"(allow with --allow-exec {os.path.realpath(loader)})" in refused.stderr
    assert not marker.exists()

    kernel_only = run_hermetic([*flags, *argv], env={"HERMETIC_INPROCESS": "0"})
    assert kernel_only.returncode == 0, kernel_only.stderr
    assert marker.exists()


def test_a_policy_file_lists_programs_by_name_and_relative_path(run_hermetic, tmp_path):
    """allow_exec in hermetic.toml: a bare name found on PATH, a path relative to the file."""
    tools = tmp_path / "tools"
    tools.mkdir()
    script = tools / "mark.sh"
    script.write_text('#!/bin/sh\n: > "$1"\n')
    script.chmod(0o755)
    (tmp_path / "hermetic.toml").write_text(
        '[policies.build]\nblock_subprocess = true\nallow_exec = ["sh", "tools/mark.sh"]\n')
    work = tmp_path / "sub"
    work.mkdir()
    out, refused = tmp_path / "out", tmp_path / "refused"
    proc = run_hermetic(["--policy=build", "--", "sh", "-c",
                         f"{script} {out}; touch {refused}"], cwd=work)
    assert out.exists(), proc.stderr
    assert not refused.exists()
