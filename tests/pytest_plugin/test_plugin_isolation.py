"""Kernel isolation per test: a test whose policy has a kernel part runs its call phase in a
forked child that applies it. The ways around pytest-socket are held; the report comes back
whole; fixtures stay in the parent; -x, --lf, pytest-xdist and async tests work.

Judged by side effect: the outer listener's count, files in `marks`, a session server's count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
from plugin_helpers import QUIET, line_of

_EXTENSION = r"""
// netext.connect(port): TCP connect to 127.0.0.1:port with libc, below Python's socket module.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

static PyObject* do_connect(PyObject* self, PyObject* arg) {
  (void)self;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PyLong_AsLong(arg))};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return PyLong_FromLong(-1);
  int rc = connect(fd, (struct sockaddr*)&addr, sizeof addr);
  close(fd);
  return PyLong_FromLong(rc);
}
static PyMethodDef methods[] = {{"connect", do_connect, METH_O, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "netext", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_netext(void) { return PyModule_Create(&module); }
"""


@pytest.fixture(scope="module")
def extension_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding `netext`, a C extension that connects with libc."""
    out = tmp_path_factory.mktemp("ext")
    source = out / "netext.c"
    source.write_text(_EXTENSION)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    cc = shutil.which("cc")
    assert cc is not None, "the tests need `cc`"
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-Wall", "-Werror",
                    "-I", sysconfig.get_paths()["include"], "-o", str(out / f"netext{suffix}"),
                    str(source)], check=True, timeout=120)
    return out


BYPASSES = """
import ctypes, os, socket, struct, subprocess, sys, threading, _socket
import pytest

sys.path.insert(0, EXT_DIR)
PORT = LISTENER_PORT

def via_subprocess():
    code = f"import socket; socket.create_connection(('127.0.0.1', {PORT}), timeout=30)"
    subprocess.run([sys.executable, "-c", code], timeout=60, check=False)

def via_ctypes():
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    if fd >= 0:
        addr = struct.pack("=H", socket.AF_INET) + struct.pack("!H", PORT) + bytes([127, 0, 0, 1])
        libc.connect(fd, addr + bytes(8), 16)
        libc.close(fd)

def via_raw_socket_module():
    s = _socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", PORT))
    s.close()

def via_thread():
    def run():
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=30).close()
        except OSError:
            pass
    t = threading.Thread(target=run)
    t.start()
    t.join()

def via_extension():
    import netext
    netext.connect(PORT)

ATTEMPTS = [via_subprocess, via_ctypes, via_raw_socket_module, via_thread, via_extension]

def started(name):
    open(os.path.join(MARKS_DIR, name), "w").close()

@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_bare(attempt):
    started("bare-" + attempt.__name__)
    attempt()

@pytest.mark.hermetic(block_network=True)
@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_held(attempt):
    started("held-" + attempt.__name__)
    try:
        attempt()
    except OSError:  # the in-process layer's refusal (a PermissionError) where it sees one
        pass
"""


def test_bypasses_of_pytest_socket_are_held(inner, listener, marks: Path,
                                            extension_dir: Path) -> None:
    result = inner(BYPASSES.replace("EXT_DIR", repr(str(extension_dir))))
    result.assert_outcomes(passed=10)
    names = sorted(p.name for p in marks.iterdir())
    assert len(names) == 10, names  # every attempt ran, bare and held
    assert listener.settle().tcp == 5  # the bare ones alone reached the listener


WRITES_AND_SPAWNS = """
import ctypes, os, subprocess, tempfile
import pytest

def mark(name):
    open(os.path.join(MARKS_DIR, name), "w").close()

@pytest.mark.hermetic(fs_readonly=True, block_network=True)
def test_writes_outside(tmp_path):
    (tmp_path / "inside").write_text("fine")
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"fine")
    mark("outside")

def test_neighbour_writes():
    mark("neighbour-wrote")

@pytest.mark.hermetic(block_subprocess=True)
def test_spawns():
    subprocess.run(["touch", os.path.join(MARKS_DIR, "spawned")], timeout=60)

@pytest.mark.hermetic(block_subprocess=True)
def test_forks_through_ctypes():
    pid = ctypes.CDLL(None).fork()
    if pid == 0:
        mark("forked")
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)

def test_neighbour_spawns_and_forks():
    subprocess.run(["touch", os.path.join(MARKS_DIR, "neighbour-spawned")], timeout=60)
    pid = ctypes.CDLL(None).fork()
    if pid == 0:
        mark("neighbour-forked")
        os._exit(0)
    os.waitpid(pid, 0)

@pytest.fixture
def no_processes(hermetic_policy):
    hermetic_policy.update(block_subprocess=True)

def test_tightened_by_the_fixture(no_processes):
    pid = ctypes.CDLL(None).fork()
    if pid == 0:
        mark("fixture-forked")
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
"""


def test_writes_and_spawns_fail_naming_the_call(inner, marks: Path) -> None:
    result = inner(WRITES_AND_SPAWNS)
    result.assert_outcomes(passed=4, failed=2)
    assert sorted(p.name for p in marks.iterdir()) == [
        "neighbour-forked", "neighbour-spawned", "neighbour-wrote"]
    outside = line_of(WRITES_AND_SPAWNS, 'mark("outside")')
    result.stdout.fnmatch_lines([
        "refused: filesystem readonly: */outside",
        f'by the call at test_inner.py:{outside}: mark("outside")',
        "refused by fs_readonly from @pytest.mark.hermetic(fs_readonly=True, *",
    ])
    result.stdout.fnmatch_lines([
        "refused: subprocess disabled*",
        f"by the call at test_inner.py:{line_of(WRITES_AND_SPAWNS, 'spawned')}: "
        "subprocess.run([[]\"touch\"*",
        "refused by block_subprocess from @pytest.mark.hermetic(block_subprocess=True) on "
        "test_inner.py::test_spawns",
    ])


SERVER_CONFTEST = """
import os, socket, threading
import pytest

@pytest.fixture(scope="session")
def server():
    srv = socket.create_server(("127.0.0.1", 0))
    served = []
    def serve():
        while True:
            conn, _ = srv.accept()
            if conn.recv(4) == b"stop":
                conn.close()
                return
            conn.sendall(b"hi")
            conn.close()
            served.append(1)
    thread = threading.Thread(target=serve)
    thread.start()
    yield srv.getsockname()[1]
    socket.create_connection(srv.getsockname()).sendall(b"stop")
    thread.join()
    with open(os.path.join(MARKS_DIR, "served"), "w") as f:
        f.write(str(len(served)))
"""

USE_SERVER = """
import os, socket
import pytest

pytestmark = pytest.mark.hermetic(block_subprocess=True)

@pytest.mark.parametrize("n", range(3))
def test_talks_to_the_session_server(server, n, tmp_path):
    with socket.create_connection(("127.0.0.1", server), timeout=30) as s:
        s.sendall(b"ping")
        assert s.recv(2) == b"hi"
    (tmp_path / "pid").write_text(str(os.getpid()))
    with open(os.path.join(MARKS_DIR, f"pid{n}"), "w") as f:
        f.write(str(os.getpid()))
"""


def test_session_fixture_serves_isolated_tests(inner, marks: Path) -> None:
    result = inner(USE_SERVER, files={"conftest.py": SERVER_CONFTEST})
    result.assert_outcomes(passed=3)
    assert (marks / "served").read_text() == "3"
    pids = {(marks / f"pid{n}").read_text() for n in range(3)}
    assert len(pids) == 3 and str(os.getpid()) not in pids  # three children, not this process


REPORT = """
import logging, os, sys, warnings
import pytest

@pytest.mark.hermetic(block_subprocess=True)
def test_reports(record_property):
    print("to stdout")
    sys.stderr.write("to stderr\\n")
    logging.getLogger("inner").warning("logged")
    record_property("answer", 42)
    warnings.warn(UserWarning("from the child"))
    value = 1
    assert value == 2, "the child's assertion"

@pytest.mark.hermetic(block_subprocess=True)
def test_exits():
    os._exit(3)

@pytest.mark.hermetic(block_subprocess=True)
def test_killed():
    os.kill(os.getpid(), 9)

@pytest.mark.hermetic(block_subprocess=True)
@pytest.mark.xfail(reason="known", strict=True)
def test_xfail():
    assert False
"""


def test_report_comes_back_whole(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=REPORT)
    recorder = pytester.inline_run(*QUIET)
    reports = {r.nodeid.split("::")[-1]: r
               for r in recorder.getreports("pytest_runtest_logreport") if r.when == "call"}
    rep = reports["test_reports"]
    assert rep.failed and rep.user_properties == [("answer", 42)]
    sections = dict(rep.sections)
    assert "to stdout" in sections["Captured stdout call"]
    assert "to stderr" in sections["Captured stderr call"]
    assert "logged" in sections["Captured log call"]
    assert "the child's assertion" in rep.longreprtext and "assert 1 == 2" in rep.longreprtext
    recorded = [str(call.warning_message.message)
                for call in recorder.getcalls("pytest_warning_recorded")]
    assert "from the child" in recorded
    assert "exited with status 3 without a report" in reports["test_exits"].longreprtext
    assert "killed by signal 9 (SIGKILL)" in reports["test_killed"].longreprtext
    assert reports["test_xfail"].skipped and hasattr(reports["test_xfail"], "wasxfail")


FAILING = """
import pytest

pytestmark = pytest.mark.hermetic(block_subprocess=True)

def test_a():
    assert False

def test_b():
    assert False

def test_c():
    pass
"""


def test_exitfirst_and_last_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=FAILING)
    pytester.runpytest_inprocess(*QUIET, "-x").assert_outcomes(failed=1)
    pytester.runpytest_inprocess(*QUIET).assert_outcomes(failed=2, passed=1)
    result = pytester.runpytest_inprocess(*QUIET, "--lf")
    result.assert_outcomes(failed=2)  # test_c passed before: not run again


XDIST_AND_ASYNC = """
import asyncio, os, subprocess
import pytest

@pytest.mark.hermetic(block_network=True)
@pytest.mark.parametrize("n", range(2))
def test_refused(n):
    import socket
    socket.create_connection(("127.0.0.1", LISTENER_PORT), timeout=30)

@pytest.mark.hermetic(block_subprocess=True)
@pytest.mark.parametrize("n", range(2))
def test_fine(n):
    pass

@pytest.mark.hermetic(block_network=True, allow_localhost=True)
def test_subprocess_to_localhost():  # served by a supervisor in the worker, under -n
    cmd = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/LISTENER_PORT"]
    subprocess.run(cmd, timeout=60, check=True)

@pytest.mark.asyncio
@pytest.mark.hermetic(block_network=True)
async def test_async_refused():
    await asyncio.open_connection("127.0.0.1", LISTENER_PORT)

@pytest.mark.asyncio
@pytest.mark.hermetic(block_network=True)
async def test_async_fine(tmp_path):
    await asyncio.sleep(0)
    (tmp_path / "pid").write_text(str(os.getpid()))
"""


def test_async_tests(inner, listener) -> None:
    result = inner(XDIST_AND_ASYNC)
    result.assert_outcomes(passed=4, failed=3)
    assert listener.settle().tcp == 1  # the subprocess allowed to reach localhost
    result.stdout.fnmatch_lines(["*by the call at test_inner.py:*: await asyncio.open_connection*"])


def test_xdist(inner, listener) -> None:
    result = inner(XDIST_AND_ASYNC, "-n", "2")
    result.assert_outcomes(passed=4, failed=3)
    assert listener.settle().tcp == 1
    result.stdout.fnmatch_lines(["*refused by block_network from @pytest.mark.hermetic*"])
