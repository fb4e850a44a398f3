"""Run one test's call phase in a forked child that applies the kernel layer to itself.

The parent has set the test's fixtures up (a session-scoped server keeps serving from the
parent) and prepared the policy's kernel part (``_hermetic.prepare_isolation``: Landlock rulesets
opened, the seccomp filter compiled, once per policy); right after ``fork`` the child has one
thread, which is what applying the kernel layer to oneself needs (Landlock binds the calling
thread and what it starts). The child applies it (seccomp and Landlock, irreversible, for the
child and every process it starts); when some of its calls are decided by a supervisor (network
exceptions, fs_readonly's metadata calls) the child hands its filter's listener to the parent,
whose C++ supervisor thread serves it until the child has been reaped. The child runs the call
phase as pytest would (capture, logging, skipping, the in-process level around the test itself),
builds the report and sends it back through a pipe, serialized with pytest's own
``pytest_report_to_serializable`` hook (as pytest-xdist does), together with the warnings it
recorded. The parent reports it as if the test had run there, with the supervisor's refusals as
a section; a child that dies without a report fails the test with how it died.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import warnings
from typing import Any

import pytest

from hermetic import _hermetic

_CHUNK = 1 << 16


class Outcome:
    """What the parent learned from one child."""

    __slots__ = ("passed", "refused", "report", "why")

    def __init__(self) -> None:
        self.report: pytest.TestReport | None = None  # the child's report, whole
        # A plain pass (nothing captured, recorded or warned): the child's (duration, start,
        # stop) only; the parent's own report of its empty call phase says the rest.
        self.passed: tuple[float, float, float] | None = None
        self.why = ""  # how the child ended without a report
        self.refused = ""  # the supervisor's refusal lines

    def add_refusals(self, report: pytest.TestReport) -> None:
        if self.refused:
            report.sections.append(("hermetic: refused in the kernel", self.refused))


class Child:
    """The parent's handle on one forked call phase."""

    __slots__ = ("handoff", "pid", "read_fd")

    def __init__(self, pid: int, read_fd: int, handoff: _hermetic.Handoff) -> None:
        self.pid = pid
        self.read_fd = read_fd
        self.handoff = handoff

    def result(self, config: pytest.Config) -> Outcome:
        """The child's report and warnings, or how the child ended without one."""
        out = Outcome()
        chunks = []
        try:
            try:
                self.handoff.supervise(self.pid)
            except BaseException:
                os.kill(self.pid, signal.SIGKILL)  # its supervised calls would wait forever
                raise
            while True:
                chunk = os.read(self.read_fd, _CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self.read_fd)
            _, status = os.waitpid(self.pid, 0)
            out.refused = self.handoff.close()
        data = b"".join(chunks)
        if not data:
            out.why = _how_it_ended(status)
            return out
        message = json.loads(data.decode())
        if "passed" in message:
            duration, start, stop = message["passed"]
            out.passed = (float(duration), float(start), float(stop))
            return out
        report = config.hook.pytest_report_from_serializable(config=config,
                                                              data=message["report"])
        # JSON made the (name, value) pairs lists; junitxml and users expect tuples.
        report.user_properties = [tuple(p) for p in report.user_properties]
        for warning in message["warnings"]:
            _rewarn(warning)
        out.add_refusals(report)
        out.report = report
        return out


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.valid_signals() else str(sig)
        return f"the test's isolated child was killed by signal {sig} ({name})"
    return f"the test's isolated child exited with status {os.WEXITSTATUS(status)} " \
           "without a report (os._exit or os.exec in the test?)"


def fork(isolation: _hermetic.Isolation) -> tuple[Child | None, int, _hermetic.Handoff]:
    """Fork: the parent gets a Child, the child gets None and the pipe's write end; both the
    handoff of the kernel layer (the child enters it, the parent's Child serves it)."""
    handoff = isolation.handoff()
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns when a process with threads forks (a session server's, pytest-xdist's
        # I/O thread): known here; the child only runs the test's call phase and exits, as
        # pytest-forked's children do.
        warnings.simplefilter("ignore", DeprecationWarning)
        # The child's garbage collector would walk (and so copy, page by page) every object of
        # pytest's process; frozen, they are left out of its walks. The parent takes them back
        # (unless someone froze objects before: then they stay as they were).
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        pid = os.fork()
        if pid != 0 and freeze:
            gc.unfreeze()
    if pid == 0:
        os.close(read_fd)
        return None, write_fd, handoff
    os.close(write_fd)
    return Child(pid, read_fd, handoff), -1, handoff


def send(config: pytest.Config, write_fd: int, report: pytest.TestReport,
         recorded: list[warnings.WarningMessage]) -> None:
    """In the child: write the report and the warnings to the parent."""
    message: dict[str, Any]
    if _plain_pass(report, recorded):
        message = {"passed": [report.duration, report.start, report.stop]}
    else:
        data = config.hook.pytest_report_to_serializable(config=config, report=report)
        message = {"report": data, "warnings": [_warning(w) for w in recorded]}
    payload = json.dumps(message, default=repr).encode()
    view = memoryview(payload)
    while view:
        view = view[os.write(write_fd, view):]
    os.close(write_fd)


def _plain_pass(report: pytest.TestReport, recorded: list[warnings.WarningMessage]) -> bool:
    """A pass the parent's own report of its (empty) call phase tells as well: nothing
    captured, no properties, no warnings, not an xfail (most tests; half a millisecond of
    serializing saved in the child, and the parent's parsing)."""
    return (report.passed and report.longrepr is None and not report.sections
            and not report.user_properties and not recorded
            and not hasattr(report, "wasxfail"))


def _warning(w: warnings.WarningMessage) -> dict[str, Any]:
    return {"text": str(w.message), "module": w.category.__module__,
            "category": w.category.__qualname__, "filename": w.filename, "lineno": w.lineno}


def _rewarn(w: dict[str, Any]) -> None:
    """In the parent: issue the child's warning again, where pytest's recorder hears it.

    What the child sends is data, never code (no pickle: the child ran under the policy and
    the parent does not): the category is looked up among the modules the parent has loaded.
    """
    category: Any = sys.modules.get(str(w["module"]))
    for part in str(w["category"]).split("."):
        category = getattr(category, part, None)
    if not (isinstance(category, type) and issubclass(category, Warning)):
        category = UserWarning
    try:
        message = category(str(w["text"]))
    except Exception:  # noqa: BLE001  (a category whose constructor wants more: keep the text)
        message = UserWarning(f"{w['category']}: {w['text']}")
    warnings.warn_explicit(message, type(message), str(w["filename"]), int(w["lineno"]))


def exit_child() -> None:
    """End the child without running the parent's cleanups (atexit, buffered files)."""
    os._exit(0)
