"""Python tools under the CLI, as hermetic-seal users run them: the in-process layer is
injected into the target (and its child Pythons), a blocked action ends the run with one line
and exit status 2, and tools that need none of the blocked capabilities run normally."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

pytest.register_assert_rewrite("blocked_line")
from blocked_line import BLOCKED, NOTE, one_blocked_line, one_note_line  # noqa: E402


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is a test dependency (pip install '.[test]')")
    return found


# --- the headline: an HTTP client -----------------------------------------------------------

def test_httpie_is_stopped_before_the_server_sees_anything(run_hermetic, listener, clean_env):
    url = f"http://127.0.0.1:{listener.port}/"
    bare = subprocess.run([tool("http"), "--timeout", "5", url], capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    assert listener.wait_for_contact().total > 0, bare.stderr  # the request is real

    before = listener.settle().total
    proc = run_hermetic(["--no-network", "--", tool("http"), "--ignore-stdin", "--timeout", "5",
                         url], env=clean_env())
    assert listener.settle().total == before
    # httpie catches the refusal, reports it in its own error line and returns 1 from main():
    # the status is its own, as under hermetic-seal, and hermetic adds a note, not a verdict.
    one_note_line(proc, 1, f"network disabled: socket(AF_INET) to 127.0.0.1:{listener.port}")
    assert "http: error: " in proc.stderr and "network disabled: " in proc.stderr, proc.stderr


def test_requests_imported_then_exit_3_keeps_its_status(run_hermetic, clean_env):
    # urllib3 probes IPv6 at import; the probe is refused and caught. The exit that follows is
    # the program's, not the probe's.
    proc = run_hermetic(["--no-network", "--", sys.executable, "-c",
                         "import requests, sys; sys.exit(3)"], env=clean_env())
    one_note_line(proc, 3, "network disabled: socket(AF_INET6)")


CAUGHT_THEN = """\
import socket
try:
    socket.socket()
except Exception:
    print("caught")
"""

IN_THE_HANDLER = """\
import socket, sys
try:
    socket.socket()
except OSError as error:
    print("cannot connect:", error)
    {}
"""

ENDINGS = {
    # After a caught violation the status is the program's own; a failing one gets a note.
    "sys.exit(1)": (CAUGHT_THEN + "import sys; sys.exit(1)\n", 1, "note"),
    "raise SystemExit(1)": (CAUGHT_THEN + "raise SystemExit(1)\n", 1, "note"),
    "uncaught error": (CAUGHT_THEN + "{}['key']\n", 1, "note"),
    "console script": (CAUGHT_THEN + "import sys\ndef main():\n    return 4\nsys.exit(main())\n",
                       4, "note"),
    "os._exit": (CAUGHT_THEN + "import os; os._exit(5)\n", 5, None),
    "success": (CAUGHT_THEN + "raise SystemExit(0)\n", 0, None),
    # Without a violation the status is the tool's own, and there is nothing to note.
    "no violation": ("raise SystemExit(3)\n", 3, None),
    # The violation ends the program: uncaught, wrapped in an error that is not caught, or
    # followed by sys.exit while it is being handled.
    "uncaught": ("import socket\nsocket.socket()\n", 2, "blocked"),
    # (a hook installed after the layer went in: the program prints the error its own way)
    "uncaught, printed by the program's own excepthook": (
        CAUGHT_THEN + "import sys\nsys.excepthook = lambda *exc: print('own hook', file=sys.stderr)"
        "\nsocket.socket()\n", 2, "blocked"),
    "raised from it": (IN_THE_HANDLER.format("raise RuntimeError('no network') from error"), 2,
                       "blocked"),
    "raised while handling it": (IN_THE_HANDLER.format("{}['key']"), 2, "blocked"),
    "sys.exit in the handler": (IN_THE_HANDLER.format("sys.exit(1)"), 2, "blocked"),
    "sys.exit(message) in the handler": (IN_THE_HANDLER.format("sys.exit('no network')"), 2,
                                         "blocked"),
    "sys.exit(0) in the handler": (IN_THE_HANDLER.format("sys.exit(0)"), 0, None),
    # A SystemExit the program catches decides nothing (pytest.raises(SystemExit), say).
    "caught sys.exit in the handler": (
        IN_THE_HANDLER.format("try:\n        sys.exit(1)\n    except SystemExit:\n        pass"),
        0, None),
    "caught sys.exit, then a failing end of its own": (
        IN_THE_HANDLER.format("try:\n        sys.exit(1)\n    except SystemExit:\n        pass")
        + "sys.exit(6)\n", 6, "note"),
    # SystemExit in a thread ends the thread, not the program.
    "sys.exit in a thread's handler": (
        "import threading\n"
        + "def work():\n" + "\n".join("    " + line for line in
                                      IN_THE_HANDLER.format("sys.exit(1)").splitlines())
        + "\nt = threading.Thread(target=work)\nt.start()\nt.join()\n", 0, None),
    "sys.exit in a thread's handler, then main exits 7": (
        "import threading, sys\n"
        + "def work():\n" + "\n".join("    " + line for line in
                                      IN_THE_HANDLER.format("sys.exit(1)").splitlines())
        + "\nt = threading.Thread(target=work)\nt.start()\nt.join()\nsys.exit(7)\n", 7, "note"),
}


@pytest.mark.parametrize(("code", "status", "report"), ENDINGS.values(), ids=ENDINGS.keys())
def test_the_exit_status_is_the_programs_unless_a_violation_ends_it(code, status, report,
                                                                    run_hermetic, clean_env,
                                                                    tmp_path):
    script = tmp_path / "tool.py"
    script.write_text(code)
    proc = run_hermetic(["--no-network", "--", sys.executable, str(script)], env=clean_env())
    if report == "blocked":
        one_blocked_line(proc, "network disabled: socket(AF_INET)")
    elif report == "note":
        one_note_line(proc, status, "network disabled: socket(AF_INET)")
    else:
        assert BLOCKED not in proc.stderr and NOTE not in proc.stderr, proc.stderr
    assert proc.returncode == status, proc.stderr


@pytest.fixture
def http_server(tmp_path):
    """A static HTTP server on 127.0.0.1 serving one file."""
    import functools
    import http.server
    import threading

    (tmp_path / "hello.txt").write_text("hello from loopback\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hello.txt"
    finally:
        server.shutdown()
        server.server_close()


def test_httpie_fetches_from_loopback_with_allow_localhost(run_hermetic, http_server, clean_env):
    """Both layers and the supervisor: the in-process layer lets the loopback connect pass, the
    kernel's supervisor checks the address and performs the connect."""
    proc = run_hermetic(["--no-network", "--allow-localhost", "--", tool("http"),
                         "--ignore-stdin", "--body", http_server], env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello from loopback\n"


def test_httpie_version_needs_nothing(run_hermetic, clean_env):
    proc = run_hermetic(["--no-network", "--", tool("http"), "--version"], env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()[0].isdigit()


# --- tools that need none of the blocked capabilities run normally -------------------------

LOCKED = ["--no-network", "--no-subprocess", "--fs-readonly"]


def test_pip_version(run_hermetic, clean_env):
    proc = run_hermetic([*LOCKED, "--", tool("pip"), "--version"], env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pip ")


def test_json_tool_as_module_and_as_fallback_target(run_hermetic, clean_env):
    for target in ([sys.executable, "-m", "json.tool"], ["json.tool"]):
        proc = run_hermetic([*LOCKED, "--", *target], input='{"b": [1, 2]}', env=clean_env())
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == '{\n    "b": [\n        1,\n        2\n    ]\n}\n'


def test_pytest_runs_a_small_suite(run_hermetic, clean_env, tmp_path):
    (tmp_path / "test_small.py").write_text(textwrap.dedent("""
        import json

        def test_roundtrip():
            assert json.loads(json.dumps({"a": 1})) == {"a": 1}

        def test_arithmetic():
            assert sum(range(10)) == 45
    """))
    proc = run_hermetic([*LOCKED, "--", sys.executable, "-m", "pytest", "-q", "-p",
                         "no:cacheprovider", str(tmp_path)], env=clean_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_module_attr_target(run_hermetic, clean_env):
    """As hermetic-seal: import the module, call the attribute; sys.argv is the target's."""
    proc = run_hermetic(["--no-network", "--", "json.tool:main", "--compact"],
                        input='{"a": [1, 2]}', env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '{"a":[1,2]}\n'


def test_unknown_name_is_still_not_found(run_hermetic):
    proc = run_hermetic(["--no-network", "--", "no_such_module_or_command_xyz"])
    assert proc.returncode == 127
    assert proc.stderr == "hermetic: error: command not found: no_such_module_or_command_xyz\n"


# --- the `python -m` fallback: found as the real run would, without running any of its code ---


@pytest.fixture
def venv_with_hermetic(hermetic_bin: str, tmp_path: Path) -> tuple[Path, Path]:
    """A fresh venv with a copy of the hermetic executable in its bin (so that its python3 is
    the one the `python -m` fallback uses): (bin directory, site-packages)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    shutil.copy2(hermetic_bin, venv / "bin" / "hermetic")
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    return venv / "bin", Path(purelib)


def test_module_lookup_runs_no_code_of_the_target_environment(venv_with_hermetic, clean_env,
                                                              tmp_path):
    """Whether `hermetic -- pkg.sub` means `python -m pkg.sub` is decided before the sandbox
    exists: a package's __init__ and a .pth file's import line of the target's environment
    must not run then. Inside the sandbox (--fs-readonly) their writes are refused; a marker
    file would show they ran outside."""
    bin_dir, site_packages = venv_with_hermetic
    markers = tmp_path / "markers"
    markers.mkdir()
    (site_packages / "hx_marker.py").write_text(
        "def mark(path):\n"
        "    try:\n        open(path, 'w').close()\n"
        "    except OSError:\n        pass\n")
    (site_packages / "evilpkg").mkdir()
    (site_packages / "evilpkg" / "__init__.py").write_text(
        f"import hx_marker; hx_marker.mark({str(markers / 'init-ran')!r})\n")
    (site_packages / "evilpkg" / "sub.py").write_text("print('sub ran')\n")
    (site_packages / "evil.pth").write_text(
        f"import hx_marker; hx_marker.mark({str(markers / 'pth-ran')!r})\n")
    proc = subprocess.run([str(bin_dir / "hermetic"), "--fs-readonly", "--", "evilpkg.sub"],
                          env=clean_env(), capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "sub ran\n"), proc.stderr
    assert list(markers.iterdir()) == []


def test_module_found_through_pythonpath_and_pth_paths(venv_with_hermetic, clean_env, tmp_path):
    """The lookup sees what the real run's sys.path will hold: PYTHONPATH entries and the
    directories .pth files name."""
    bin_dir, site_packages = venv_with_hermetic
    (tmp_path / "on_pythonpath").mkdir()
    (tmp_path / "on_pythonpath" / "hx_from_pythonpath.py").write_text("print('pythonpath')\n")
    (tmp_path / "on_pth").mkdir()
    (tmp_path / "on_pth" / "hx_from_pth.py").write_text("print('pth')\n")
    (site_packages / "extra.pth").write_text(f"# a comment\n{tmp_path / 'on_pth'}\n")
    env = clean_env({"PYTHONPATH": str(tmp_path / "on_pythonpath")})
    for module, printed in (("hx_from_pythonpath", "pythonpath"), ("hx_from_pth", "pth")):
        proc = subprocess.run([str(bin_dir / "hermetic"), "--no-network", "--", module], env=env,
                              capture_output=True, text=True, timeout=60)
        assert (proc.returncode, proc.stdout) == (0, f"{printed}\n"), proc.stderr


# --- the layer reaches every CPython of the run ---------------------------------------------

CONNECT = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)"


@pytest.mark.parametrize("python", [sys.executable, "/usr/bin/python3"])
def test_each_interpreter_reports_the_block(python, run_hermetic, listener, clean_env):
    if not os.path.exists(python):
        pytest.fail(f"{python} is missing: the test machine has Debian's python3")
    proc = run_hermetic(["--no-network", "--", python, "-c", CONNECT, str(listener.port)],
                        env=clean_env())
    one_blocked_line(proc, "network disabled: ")
    assert listener.settle().total == 0


def test_child_python_gets_the_layer_too(run_hermetic, listener, clean_env):
    """hermetic-seal's children ran unguarded; here the child reports its own block."""
    parent = (f"import subprocess, sys; r = subprocess.run([sys.executable, '-c', {CONNECT!r}, "
              "sys.argv[1]], capture_output=True, text=True); print(r.returncode); "
              "print(r.stderr, end='')")
    proc = run_hermetic(["--no-network", "--", sys.executable, "-c", parent,
                         str(listener.port)], env=clean_env())
    assert proc.returncode == 0, proc.stderr
    code, *child_err = proc.stdout.splitlines()
    assert code == "2"
    assert child_err[-1].startswith(BLOCKED + "network disabled: ")
    assert listener.settle().total == 0


CATCH = """\
import socket
from hermetic import PolicyViolation
try:
    socket.create_connection(("127.0.0.1", int(__import__("sys").argv[1])), 5)
except PolicyViolation as e:
    print("caught", e.guard, type(e).__module__)
"""


@pytest.mark.parametrize("python", [sys.executable, "/usr/bin/python3"])
def test_target_catches_the_violation_class_the_guards_raise(python, run_hermetic, listener,
                                                            clean_env):
    """`import hermetic` works in any target, also where the target's environment lacks it
    (Debian's python3 here), and gives the very classes the guards raise."""
    if not os.path.exists(python):
        pytest.fail(f"{python} is missing: the test machine has Debian's python3")
    proc = run_hermetic(["--no-network", "--", python, "-c", CATCH, str(listener.port)],
                        env=clean_env())
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "caught network hermetic.errors\n", "")
    assert listener.settle().total == 0


def test_a_hermetic_package_of_the_targets_own_environment_comes_first(run_hermetic, clean_env,
                                                                     tmp_path):
    """The finder for `hermetic` is consulted last, after the target's own sys.path: a target
    whose environment has a `hermetic` package of its own imports that one. (Every import of
    the run asks the finders in order; a first finder would cost each of them.)"""
    own = tmp_path / "hermetic"
    own.mkdir()
    (own / "__init__.py").write_text("WHO = 'the target environment'\n")
    script = "import hermetic; print(hermetic.WHO, hermetic.__file__)"
    proc = run_hermetic(["--no-network", "--", "/usr/bin/python3", "-c", script],
                        env=clean_env({"PYTHONPATH": str(tmp_path)}))
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout == f"the target environment {own / '__init__.py'}\n"


LOADED = "import sys; print(sorted(m for m in sys.modules if m.split('.')[0] == 'hermetic'))"


@pytest.mark.parametrize(("flags", "loaded"), [
    (["--no-network", "--no-subprocess"], []),  # deferred: nothing until a socket or a process
    (["--fs-readonly"], ["hermetic._hermetic"]),
    (["--no-code-exec"], ["hermetic", "hermetic._cli", "hermetic._hermetic",
                          "hermetic._patches", "hermetic.blocker", "hermetic.errors"]),
    # The environment was scrubbed at exec: no guarded os.environ to install.
    (["--no-environment"], ["hermetic._hermetic"]),
], ids=["kernel-backed", "fs-readonly", "code-exec", "environment"])
def test_python_package_loads_only_for_python_side_guards(flags, loaded, run_hermetic,
                                                          clean_env):
    """Start-up cost: the native module does the CLI's work; the Python package is imported
    only for the guards written in Python (os.environ, sys.path, __import__)."""
    proc = run_hermetic([*flags, "--", sys.executable, "-c", LOADED], env=clean_env())
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout == f"{loaded}\n"


MAPPED = "any('_hermetic.' in line for line in open('/proc/self/maps'))"
DEFERRED = f"""
import sys
print({MAPPED})
{{}}
print({MAPPED})
"""


@pytest.mark.parametrize(("flags", "first_use", "blocked"), [
    (["--no-network"], "import socket; socket.socket()", "network disabled: socket(AF_INET)"),
    (["--no-network", "--allow-localhost"], "import socket; socket.getaddrinfo('x.invalid', 80)",
     "network disabled: DNS(x.invalid:80) (allow with --allow-domain x.invalid)"),
    (["--no-subprocess"], "import os; os.system('true')",
     "subprocess disabled: os.system(true) (allow with --allow-exec /bin/sh)"),
], ids=["socket", "dns", "subprocess"])
def test_network_and_subprocess_guards_load_at_their_first_event(flags, first_use, blocked,
                                                                  run_hermetic, clean_env):
    """Under the network and subprocess guards alone, the extension is loaded by the first event
    they check, not at start (a start that needs neither pays for neither), and that very event
    is checked: the run ends with the violation's one line."""
    proc = run_hermetic([*flags, "--", sys.executable, "-c", DEFERRED.format(first_use)],
                        env=clean_env())
    assert proc.stdout == "False\n", proc.stderr  # not mapped at start; the use never returned
    assert (proc.returncode, proc.stderr) == (2, f"hermetic: blocked action: {blocked}\n")


def test_an_import_of_hermetic_loads_the_layer_first(run_hermetic, clean_env):
    """The extension's finder answers `import hermetic` in a target whose environment lacks the
    package; deferred, the import event itself loads it, before the import looks."""
    use = "from hermetic import _hermetic; print(_hermetic.effective()['block_network'])"
    code = DEFERRED.format(use)
    proc = run_hermetic(["--no-network", "--", sys.executable, "-S", "-c", code],
                        env=clean_env())
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout == "False\nTrue\nTrue\n"


# --- Python-only flags: one line, exit 2, as hermetic-seal ------------------------------------

PYTHON_ONLY = {
    "no-code-exec": (["--no-code-exec"], "print(eval('6 * 7'))", "dynamic code execution disabled"),
    "deny-import": (["--deny-import", "json"], "import json", "import blocked: json"),
    "deny-import-submodule": (["--deny-import", "xml"], "import xml.dom", "import blocked: xml"),
    "block-native": (["--block-native"], "import ctypes", "import blocked: ctypes"),
    "no-interpreter-mutation": (["--no-interpreter-mutation"], "import os; os.chdir('/')",
                                "interpreter mutation disabled: chdir"),
    "profile-block-all": (["--profile", "block-all"], "print(eval('6 * 7'))",
                          "dynamic code execution disabled"),
}


@pytest.mark.parametrize(("flags", "code", "what"), PYTHON_ONLY.values(), ids=PYTHON_ONLY.keys())
def test_python_only_flag(flags, code, what, run_hermetic, clean_env):
    bare = run_hermetic(["--", sys.executable, "-c", code], env=clean_env())
    assert bare.returncode == 0, bare.stderr  # the action is allowed without the flag
    proc = run_hermetic([*flags, "--", sys.executable, "-c", code], env=clean_env())
    one_blocked_line(proc, what)


@pytest.mark.parametrize("module", ["json", "csv"])
def test_deny_import_is_repeatable(module, run_hermetic, clean_env):
    proc = run_hermetic(["--deny-import", "json", "--deny-import=csv", "--", sys.executable,
                         "-c", f"import {module}"], env=clean_env())
    one_blocked_line(proc, f"import blocked: {module}")


def test_profile_is_repeatable(run_hermetic, clean_env):
    """Two profiles together switch off what each does: exec-deny's subprocess block, then
    block-native's refusal of ctypes, which ends the run with the one line."""
    script = ("import os\n"
              "try:\n    os.system('true')\n    print('ran a child')\n"
              "except Exception as e:\n    print('no child:', type(e).__name__)\n"
              "import ctypes\n")
    proc = run_hermetic(["--profile", "exec-deny", "--profile=block-native", "--",
                         sys.executable, "-c", script], env=clean_env())
    assert proc.stdout == "no child: PermissionPolicyViolation\n", (proc.stdout, proc.stderr)
    one_blocked_line(proc, "import blocked: ctypes")


@pytest.mark.parametrize("call", ["importlib.import_module('hx_denied_cli')",
                                  "runpy.run_module('hx_denied_cli')",
                                  "importlib.util.find_spec('hx_denied_cli')"])
def test_deny_import_past_the_import_statement(call, run_hermetic, clean_env, tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "hx_denied_cli.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    code = f"import importlib, importlib.util, runpy\n{call}\n"
    proc = run_hermetic(["--deny-import", "hx_denied_cli", "--", sys.executable, "-c", code],
                        env=clean_env({"PYTHONPATH": str(tmp_path)}))
    assert proc.returncode != 0, proc.stderr
    assert "import blocked: hx_denied_cli" in proc.stderr
    assert not marker.exists()


CODE_ENTRIES = {
    "eval": "eval('1 + 1')",
    "exec": "exec('x = 1')",
    "compile": "compile('1', '<s>', 'eval')",
    "run_path": "import runpy; runpy.run_path(sys.argv[1])",
    "run_module": "import runpy; runpy.run_module('hx_code_entry')",
}


@pytest.mark.parametrize(("name", "code"), CODE_ENTRIES.items(), ids=CODE_ENTRIES.keys())
def test_no_code_exec_names_the_entry_point_as_hermetic_seal(name, code, run_hermetic,
                                                             clean_env, tmp_path):
    """hermetic-seal's words (`...: eval`, `...: run_path`); runpy's helpers are refused too,
    though runpy's own frames are trusted (they run `python -m`'s main module): the module
    they would run never does (marker file)."""
    marker = tmp_path / "ran"
    module = tmp_path / "hx_code_entry.py"
    module.write_text(f"open({str(marker)!r}, 'w').close()\n")
    proc = run_hermetic(["--no-code-exec", "--", sys.executable, "-c", f"import sys; {code}",
                         str(module)], env=clean_env({"PYTHONPATH": str(tmp_path)}))
    one_blocked_line(proc, f"dynamic code execution disabled: {name}")
    assert proc.stderr == f"{BLOCKED}dynamic code execution disabled: {name}\n"
    assert not marker.exists()


def test_denied_import_keeps_importerror_fallbacks(run_hermetic, clean_env):
    code = "try:\n    import json\nexcept ImportError:\n    print('fallback')"
    proc = run_hermetic(["--deny-import", "json", "--", sys.executable, "-c", code],
                        env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "fallback\n"


def test_trace_lines_are_told_apart_from_the_final_line(run_hermetic, clean_env):
    """--trace lines read `[hermetic] blocked action: ...` (hermetic-seal's `[hermetic] blocked`
    style): a run that catches its blocks and succeeds prints no line that means "the run ended
    on a block"; a run that ends on one prints its trace line, then the final line."""
    caught = "try:\n    eval('1')\nexcept Exception:\n    pass\n"
    proc = run_hermetic(["--trace", "--no-code-exec", "--", sys.executable, "-c", caught],
                        env=clean_env())
    assert (proc.returncode, proc.stderr) == (
        0, "[hermetic] blocked action: dynamic code execution disabled: eval\n")
    proc = run_hermetic(["--trace", "--no-code-exec", "--", sys.executable, "-c", "eval('1')"],
                        env=clean_env())
    assert (proc.returncode, proc.stderr.splitlines()) == (2, [
        "[hermetic] blocked action: dynamic code execution disabled: eval",
        f"{BLOCKED}dynamic code execution disabled: eval"])


def test_trace_and_seal_are_accepted(run_hermetic, clean_env):
    proc = run_hermetic(["--seal", "--no-code-exec", "--", sys.executable, "-c",
                         "print(eval('1'))"], env=clean_env())
    one_blocked_line(proc, "dynamic code execution disabled")


WRITE_OWN_CODE = """
maps = open('/proc/self/maps').read().splitlines()
text = next(line for line in maps if 'r-xp' in line and 'libc.so' in line)
start = int(text.split('-')[0], 16)
with open('/proc/self/mem', 'r+b', buffering=0) as mem:
    mem.seek(start + 0x1000)
    byte = mem.read(1)
    mem.seek(start + 0x1000)
    print('wrote', mem.write(byte))  # the same byte back: a write into executable code
"""


@pytest.mark.parametrize("flags", [[], ["--block-native"]], ids=["control", "block-native"])
def test_block_native_refuses_writing_code_through_proc_mem(flags, run_hermetic, clean_env):
    """Written through /proc/self/mem, code already mapped executable changes without any new
    executable mapping, which is all the kernel part of --block-native refuses: pure Python
    would reach native code. The in-process layer refuses the open for writing."""
    proc = run_hermetic([*flags, "--", sys.executable, "-c", WRITE_OWN_CODE], env=clean_env())
    if not flags:
        assert (proc.returncode, proc.stdout) == (0, "wrote 1\n"), proc.stderr
        return
    one_blocked_line(proc, "native code blocked: write to /proc/self/mem")
    assert "wrote" not in proc.stdout


# --- --block-native: the kernel part as well -------------------------------------------------

@pytest.fixture(scope="module")
def marker_extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A C extension whose init writes the file named by $MARKER."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.fail("no C compiler: the tests need `cc`")
    out = tmp_path_factory.mktemp("ext")
    source = out / "markext.c"
    source.write_text(textwrap.dedent("""
        #define PY_SSIZE_T_CLEAN
        #include <Python.h>
        #include <stdio.h>
        #include <stdlib.h>
        static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "markext", NULL, -1, NULL};
        PyMODINIT_FUNC PyInit_markext(void) {
            FILE* f = fopen(getenv("MARKER"), "w");
            if (f) { fputs("init ran", f); fclose(f); }
            return PyModule_Create(&def);
        }
    """))
    library = out / ("markext" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run([cc, "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}",
                    str(source), "-o", str(library)], check=True, timeout=120)
    return library


LOADS = {
    "import": "import sys; sys.path.insert(0, sys.argv[1]); import markext",
    "extension_file_loader": (
        "import glob, sys, importlib.machinery as m, importlib.util as u\n"
        "path = glob.glob(sys.argv[1] + '/markext*')[0]\n"
        "loader = m.ExtensionFileLoader('markext', path)\n"
        "u.module_from_spec(u.spec_from_file_location('markext', path, loader=loader))"
    ),
}


@pytest.mark.parametrize("code", LOADS.values(), ids=LOADS.keys())
def test_block_native_never_runs_an_extension_init(code, marker_extension, run_hermetic,
                                                   clean_env, tmp_path):
    marker = tmp_path / "marker"
    env = clean_env({"MARKER": str(marker)})
    bare = run_hermetic(["--", sys.executable, "-c", code, str(marker_extension.parent)], env=env)
    assert bare.returncode == 0 and marker.exists(), bare.stderr  # the load is real
    marker.unlink()
    proc = run_hermetic(["--block-native", "--", sys.executable, "-c", code,
                         str(marker_extension.parent)], env=env)
    one_blocked_line(proc, "native import blocked: markext")
    assert not marker.exists()


def test_no_executable_memory_once_native_code_is_denied(marker_extension, clean_env,
                                                        tmp_path):
    """The kernel part alone (what the CLI applies when user code starts): with the in-process
    guards out of the picture, no new executable mapping, so the C init never runs."""
    marker = tmp_path / "marker"
    code = textwrap.dedent(f"""
        import _imp, mmap, importlib.machinery as m, importlib.util as u
        import hermetic._hermetic as native
        native.deny_native_code()
        try:
            mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC)
        except PermissionError:
            print("no exec mapping")
        path = {str(marker_extension)!r}
        spec = u.spec_from_file_location("markext", path,
                                         loader=m.ExtensionFileLoader("markext", path))
        try:
            _imp.create_dynamic(spec)
        except ImportError:
            print("extension refused")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=clean_env({"MARKER": str(marker)}), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "no exec mapping\nextension refused\n"
    assert not marker.exists()


# --- both layers under a read root, and a clean start ---------------------------------------

@pytest.mark.parametrize("python", [sys.executable, "/usr/bin/python3"])
def test_inprocess_layer_is_active_under_a_read_root(python, run_hermetic, clean_env, tmp_path):
    """The read layer must let the loader read the preload library and the interpreter the
    package; a missing grant once made ld.so skip LD_PRELOAD with a warning and the target ran
    without the in-process layer."""
    proc = run_hermetic([f"--fs-readonly={tmp_path}", "--no-code-exec", "--", python, "-c",
                         "print(eval('6 * 7'))"], env=clean_env())
    assert proc.stderr == f"{BLOCKED}dynamic code execution disabled: eval\n"
    assert proc.returncode == 2


@pytest.mark.parametrize("flags", [
    ["--no-code-exec"],
    ["--profile", "block-all"],
    ["--no-network", "--no-subprocess", "--fs-readonly=/usr", "--block-native"],
], ids=["no-code-exec", "block-all", "read-root-native"])
def test_an_allowed_run_starts_cleanly(flags, run_hermetic, clean_env):
    """The environment's own start-up (site, .pth files that exec code or read os.environ, the
    loader mapping libraries) is not the target: nothing is refused and stderr stays empty."""
    proc = run_hermetic([*flags, "--", sys.executable, "-c", "print(6 * 7)"], env=clean_env())
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "42\n", "")


def test_extension_is_an_attribute_of_the_package_under_the_cli(run_hermetic):
    # The CLI makes hermetic._hermetic before the package is imported; it must still be reachable
    # as hermetic._hermetic, as after a plain import.
    proc = run_hermetic(["--no-network", "--", sys.executable, "-c",
                         "import hermetic; print(hermetic._hermetic.__name__)"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "hermetic._hermetic"
