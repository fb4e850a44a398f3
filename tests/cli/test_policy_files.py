"""Policy files end to end: `hermetic --policy NAME`, `--policy-file`, and the Python API's
`policy=`. Judged by side effect (the listener's count, a marker file); every error is one line
naming the file, the line and the key, before anything runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PY = sys.executable
CONNECT = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)"


def connects(port: int) -> list[str]:
    return ["--", PY, "-c", CONNECT, str(port)]


def project(tmp_path: Path, text: str, name: str = "hermetic.toml") -> Path:
    """A project directory with a policy file and a subdirectory to run from."""
    (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    return tmp_path / "sub" / "deeper"


POLICIES = """
    default = "offline"

    [policies.offline]
    block_network = true

    [policies.local]
    extends = "offline"
    allow_localhost = true
"""


def test_the_default_policy_found_upward_blocks_the_network(run_hermetic, listener, tmp_path):
    cwd = project(tmp_path, POLICIES)
    proc = run_hermetic(["--policy", *connects(listener.port)], cwd=cwd)
    assert proc.returncode != 0, proc.stderr
    assert listener.settle().total == 0


def test_a_named_policy_allows_what_it_says(run_hermetic, listener, tmp_path):
    cwd = project(tmp_path, POLICIES)
    proc = run_hermetic(["--policy", "local", *connects(listener.port)], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert listener.wait_for_contact().tcp == 1


def test_pyproject_tool_hermetic_and_policy_file(run_hermetic, listener, tmp_path):
    pyproject = """
        [project]
        name = "demo"

        [tool.hermetic.policies.tests]
        block_network = true
    """
    cwd = project(tmp_path, pyproject, "pyproject.toml")
    proc = run_hermetic(["--policy", "tests", *connects(listener.port)], cwd=cwd)
    assert proc.returncode != 0
    proc = run_hermetic(["--policy-file", str(tmp_path / "pyproject.toml"),
                         *connects(listener.port)], cwd="/")
    assert proc.returncode != 0
    assert listener.settle().total == 0


def test_explain_names_the_file_and_the_policy(run_hermetic, tmp_path):
    cwd = project(tmp_path, POLICIES)
    proc = run_hermetic(["--policy", "local", "--explain", "--", "true"], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"from: policy local of {tmp_path}/hermetic.toml"


def test_flags_add_blocks_but_never_widen(run_hermetic, listener, tmp_path):
    cwd = project(tmp_path, POLICIES)
    marker = tmp_path / "ran"
    proc = run_hermetic(["--policy", "offline", "--allow-localhost", "--", PY, "-c",
                         f"open({str(marker)!r}, 'w')"], cwd=cwd)
    assert proc.returncode == 1
    assert proc.stderr.startswith("hermetic: error: allow_localhost would widen policy "
                                  f"'offline' of {tmp_path}/hermetic.toml"), proc.stderr
    assert not marker.exists()
    proc = run_hermetic(["--policy", "local", "--no-subprocess", "--", PY, "-c",
                         "import os; os.system('true')"], cwd=cwd)
    assert proc.returncode == 2, proc.stderr  # the added block holds


def test_a_broken_file_is_one_line_naming_file_line_and_key(run_hermetic, tmp_path):
    cwd = project(tmp_path, """
        [policies.ci]
        block_network = true
        allow_domain = ["pypi.org"]
    """)
    marker = tmp_path / "ran"
    proc = run_hermetic(["--policy", "ci", "--", PY, "-c", f"open({str(marker)!r}, 'w')"],
                        cwd=cwd)
    assert proc.returncode == 1
    assert proc.stderr == (f"hermetic: error: {tmp_path}/hermetic.toml:4: "
                           "policies.ci.allow_domain: unknown key (did you mean allow_domains?)\n")
    assert not marker.exists()


def test_missing_file_and_missing_path(run_hermetic, tmp_path):
    proc = run_hermetic(["--policy", "--", "true"], cwd=tmp_path)
    assert proc.returncode == 1
    assert "no hermetic.toml, nor pyproject.toml with [tool.hermetic]" in proc.stderr
    cwd = project(tmp_path, """
        [policies.w]
        fs_readonly = true
        allow_write = ["build"]
    """)
    proc = run_hermetic(["--policy", "--", "true"], cwd=cwd)
    assert proc.stderr == (f"hermetic: error: {tmp_path}/hermetic.toml:4: policies.w.allow_write:"
                           f" no such path: {tmp_path}/build\n")


def test_relative_write_paths_are_the_files_directorys(run_hermetic, tmp_path):
    cwd = project(tmp_path, """
        [policies.w]
        fs_readonly = true
        allow_write = ["out"]
    """)
    (tmp_path / "out").mkdir()
    write = "import sys; open(sys.argv[1], 'w').write('x')"
    proc = run_hermetic(["--policy", "--", PY, "-c", write, str(tmp_path / "out" / "ok")], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    proc = run_hermetic(["--policy", "--", PY, "-c", write, str(tmp_path / "no")], cwd=cwd)
    assert proc.returncode != 0
    assert (tmp_path / "out" / "ok").read_text() == "x"
    assert not (tmp_path / "no").exists()


def run_api(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_the_python_api_takes_a_policy_by_name(listener, tmp_path):
    cwd = project(tmp_path, POLICIES)
    proc = run_api(f"""
        import socket
        from hermetic import PolicyViolation, hermetic_blocker
        with hermetic_blocker(policy="offline"):
            try:
                socket.create_connection(("127.0.0.1", {listener.port}), 5)
            except PolicyViolation:
                print("refused")
        with hermetic_blocker(policy="local"):
            socket.create_connection(("127.0.0.1", {listener.port}), 5).close()
        try:
            hermetic_blocker(policy="offline", allow_localhost=True)
        except ValueError as e:
            print(e)
    """, cwd)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "refused",
        f"allow_localhost would widen policy 'offline' of {tmp_path}/hermetic.toml, which sets "
        "block_network: flags and keywords can only tighten a policy file's policy (add it there)",
    ]
    assert listener.wait_for_contact().tcp == 1
