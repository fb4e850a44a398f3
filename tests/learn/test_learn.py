"""`hermetic learn` on real programs: the policy it writes lets the same run pass (same exit
status, same output, same effect), and a variant that does one thing more is refused (judged by
side effect: the other server's count, a file not written).

Loopback only: the servers of conftest.py; no name is resolved.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from learn_support import Place, Server


def _same(first: subprocess.CompletedProcess[str], second: subprocess.CompletedProcess[str]
          ) -> None:
    assert (first.returncode, first.stdout) == (second.returncode, second.stdout), second.stderr


def test_curl_learns_its_destination_and_nothing_else(place: Place,
                                                      servers: tuple[Server, Server]) -> None:
    good, other = servers
    args = ["curl", "-sS", good.url]
    bare = place.run(args)
    assert bare.returncode == 0 and bare.stdout == "hello from loopback\n"
    learned = place.learn(args)
    assert learned.stderr.splitlines()[0].startswith("hermetic: learn mode:"), learned.stderr
    assert "nothing is enforced" in learned.stderr.splitlines()[0]
    _same(bare, learned)
    text = place.policy_text
    assert f'"127.0.0.1:{good.port}"' in text and "block_network = true" in text
    assert "block_subprocess = true" in text and 'fs_root = "."' in text

    _same(bare, place.enforced(args))
    before = other.connections()
    variant = place.enforced(["curl", "-sS", other.url])
    assert variant.returncode != 0
    assert other.connections() == before


def test_python_requests_script(place: Place, servers: tuple[Server, Server]) -> None:
    good, other = servers
    script = place.work / "fetch.py"
    script.write_text("import sys\nimport requests\n\n"
                      "print(requests.get(sys.argv[1], timeout=30).text, end='')\n")
    args = [sys.executable, str(script), good.url]
    bare = place.run(args)
    assert bare.returncode == 0 and bare.stdout == "hello from loopback\n", bare.stderr
    _same(bare, place.learn(args))
    _same(bare, place.enforced(args))
    before = other.connections()
    assert place.enforced([sys.executable, str(script), other.url]).returncode != 0
    assert other.connections() == before


def test_urllib_second_learn_widens_and_check_lists_what_is_missing(
        place: Place, servers: tuple[Server, Server]) -> None:
    good, other = servers
    code = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read())"
    first = [sys.executable, "-c", code, good.url]
    second = [sys.executable, "-c", code, other.url]
    assert place.learn(first).returncode == 0
    text = place.policy_text

    check = place.learn(second, "--check")
    assert check.returncode == 3, check.stderr
    assert f'allow_connect += "127.0.0.1:{other.port}"' in check.stderr
    assert place.policy_text == text  # --check changes nothing
    assert place.learn(first, "--check").returncode == 0

    widened = place.learn(second)
    assert widened.returncode == 0
    assert f'allow_connect += "127.0.0.1:{other.port}"' in widened.stderr
    for args in (first, second):
        assert place.enforced(args).returncode == 0


def test_git_clone_and_log_of_a_local_repository(place: Place) -> None:
    source = place.base / "src"
    source.mkdir()
    (source / "README").write_text("hello\n")
    for command in (["git", "init", "-q"], ["git", "add", "README"],
                    ["git", "commit", "-q", "-m", "first"]):
        assert place.run(command, cwd=source).returncode == 0
    clone = ["git", "clone", "-q", str(source), "dest"]
    log = ["git", "-C", "dest", "log", "--format=%H %s"]
    assert place.learn(clone).returncode == 0
    bare_log = place.run(log)
    assert bare_log.returncode == 0 and bare_log.stdout.endswith(" first\n")
    widened = place.learn(log)
    _same(bare_log, widened)
    assert "hermetic: learn: policy t of" in widened.stderr

    shutil.rmtree(place.work / "dest")
    cloned = place.enforced(clone)
    assert cloned.returncode == 0, cloned.stderr
    _same(bare_log, place.enforced(log))
    # One thing more: a clone outside the working directory.
    variant = place.enforced(["git", "clone", "-q", str(source), str(place.base / "elsewhere")])
    assert variant.returncode != 0
    assert not (place.base / "elsewhere" / "README").exists()


def test_gcc_compiles_a_file(place: Place) -> None:
    (place.work / "hello.c").write_text(
        '#include <stdio.h>\nint main(void) { puts("hello from gcc"); return 0; }\n')
    args = ["gcc", "-o", "hello", "hello.c"]
    bare = place.run(args)
    assert bare.returncode == 0, bare.stderr
    (place.work / "hello").unlink()
    _same(bare, place.learn(args))
    (place.work / "hello").unlink()
    _same(bare, place.enforced(args))
    assert place.run([place.work / "hello"]).stdout == "hello from gcc\n"
    outside = place.base / "hello-outside"
    variant = place.enforced(["gcc", "-o", str(outside), "hello.c"])
    assert variant.returncode != 0
    assert not outside.exists()


def test_pip_install_from_a_local_wheel_directory_into_a_venv(place: Place) -> None:
    sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))
    from tiny_wheel import write_wheel

    wheels = place.base / "wheels"
    wheels.mkdir()
    write_wheel(wheels)

    def make_venv(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
        made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)],
                              capture_output=True, timeout=120)
        assert made.returncode == 0, made.stderr

    def install(venv: Path) -> list[str]:
        return [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                "--no-index", "--find-links", str(wheels), "tinypkg"]

    # The learn run is the bare run (nothing is enforced): the enforced one must match it.
    venv = place.work / "venv"
    make_venv(venv)
    learned = place.learn(install(venv))
    assert learned.returncode == 0, learned.stderr
    assert "Successfully installed tinypkg-1.0" in learned.stdout
    make_venv(venv)
    _same(learned, place.enforced(install(venv)))
    installed = list(venv.glob("lib/python*/site-packages/tinypkg/__init__.py"))
    assert len(installed) == 1
    other = place.base / "venv-outside"
    make_venv(other)
    assert place.enforced(install(other)).returncode != 0
    assert not list(other.glob("lib/python*/site-packages/tinypkg"))


def test_pytest_run(place: Place) -> None:
    (place.work / "test_ok.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    outside = place.base / "outside.txt"
    (place.work / "test_more.py").write_text(
        f"def test_writes():\n    open({str(outside)!r}, 'w').write('x')\n")
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_ok.py"]

    def summary(run: subprocess.CompletedProcess[str]) -> tuple[int, str]:
        return run.returncode, re.sub(r" in [0-9.]+s", "", run.stdout)

    bare = place.run(args)
    assert bare.returncode == 0, bare.stdout
    assert summary(place.learn(args)) == summary(bare)
    assert summary(place.enforced(args)) == summary(bare)
    variant = place.enforced([*args[:-1], "test_more.py"])
    assert variant.returncode != 0
    assert not outside.exists()


def test_report_lines_and_a_pyproject_kept_byte_for_byte(place: Place,
                                                        servers: tuple[Server, Server]) -> None:
    good, _ = servers
    pyproject = place.work / "pyproject.toml"
    head = ('[project]\nname = "x"  # a comment\n\n[tool.hermetic.policies.ci]\n'
            "block_network = true\n")
    tail = "\n[tool.other]\nkey = 'kept'\n"
    pyproject.write_text(head + tail)
    report = place.base / "report.jsonl"
    learned = place.learn(["curl", "-sS", good.url], "--report", str(report), policy="web")
    assert learned.returncode == 0, learned.stderr
    text = pyproject.read_text()
    assert text.startswith(head + tail)
    assert "[tool.hermetic.policies.web]" in text
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    connects = [line for line in lines if line["operation"] == "connect" and
                line["detail"].get("port") == good.port]
    assert connects and all(line["v"] == 1 and line["decision"] == "observed" and
                            line["layer"] == "supervisor" for line in lines)
    assert place.enforced(["curl", "-sS", good.url], policy="web").returncode == 0


def test_output_file_and_usage_errors(place: Place, servers: tuple[Server, Server]) -> None:
    good, _ = servers
    args = ["curl", "-sS", good.url]
    before = good.connections()
    learned = place.run([place.hermetic, "learn", "-o", "policies/net.toml", "--policy", "net",
                         "--", *args])
    assert learned.returncode == 1 and "policies" in learned.stderr  # checked before the run
    assert good.connections() == before
    (place.work / "policies").mkdir()
    learned = place.run([place.hermetic, "learn", "-o", "policies/net.toml", "--policy", "net",
                         "--", *args])
    assert learned.returncode == 0, learned.stderr
    assert not (place.work / "hermetic.toml").exists()
    enforced = place.run([place.hermetic, "--policy-file", "policies/net.toml", "--policy", "net",
                          "--", *args])
    assert enforced.returncode == 0 and enforced.stdout == "hello from loopback\n"
    for bad in (["--policy", "a.b", "--", "true"], ["--policy", "x"], ["--bogus", "--", "true"]):
        usage = place.run([place.hermetic, "learn", *bad])
        assert usage.returncode == 2 and len(usage.stderr.splitlines()) == 1, usage.stderr


def test_a_script_run_through_env_is_no_subprocess(place: Place) -> None:
    script = place.work / "tool.py"
    script.write_text("#!/usr/bin/env python3\nprint('hello from a script')\n")
    script.chmod(0o755)
    bare = place.run([script])
    assert bare.returncode == 0, bare.stderr
    _same(bare, place.learn([script]))
    assert "block_subprocess = true" in place.policy_text  # env's exec is the run's own
    _same(bare, place.enforced([script]))


def test_programs_run_become_the_exec_allow_list(place: Place) -> None:
    args = ["sh", "-c", "date +%Y > year.txt"]
    bare = place.run(args)
    assert bare.returncode == 0, bare.stderr
    (place.work / "year.txt").unlink()  # made by the run, as it will be in the learned one
    _same(bare, place.learn(args))
    text = place.policy_text
    assert "block_subprocess = true" in text and "allow_exec = [" in text, text
    (place.work / "year.txt").unlink()
    _same(bare, place.enforced(args))
    assert (place.work / "year.txt").exists()
    # One thing more: another program, in a place the policy lets it write.
    variant = place.enforced(["sh", "-c", "touch marker.txt"])
    assert variant.returncode != 0
    assert not (place.work / "marker.txt").exists()
