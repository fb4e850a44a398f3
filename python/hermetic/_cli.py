"""The in-process layer of a Python target run by the hermetic CLI.

cli_bootstrap.cpp calls ``activate`` once, before site and .pth files run: from then on the
native guards enforce the CLI's policy, permanently. It calls ``enter_user_code`` once, just
before the main program runs: then the Python-side guards follow (the guarded ``os.environ``,
``sys.path`` and ``__import__``), which would otherwise fail the environment's own start-up
(.pth files read os.environ). A blocked action ends the run the way
hermetic-seal's CLI does: one line ``hermetic: blocked action: <what>: <detail>`` on stderr and
exit status 2. That happens when the violation is not caught, and also when the program caught
it and then exits with a failure through ``sys.exit`` (console scripts call
``sys.exit(main())``; httpie, for one, reports errors itself and exits 1).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, NoReturn

from hermetic import _hermetic, _patches, blocker
from hermetic.errors import PolicyViolation

BLOCKED_EXIT_STATUS = 2

_traced = False  # with trace on, the line was printed when the action was blocked
_policy: dict[str, Any] = {}


def activate(policy_json: str) -> None:
    """Make ``policy_json`` the target's permanent policy and install the exit behaviour."""
    global _traced, _policy
    _policy = json.loads(policy_json)
    _traced = bool(_policy.get("trace"))
    _hermetic.set_trusted_code_files([*_patches.trusted_code_files(), *_runner_files()])
    # Permanent like a sealed policy, without applying the kernel layer a second time: the
    # launcher applied it before exec. (No _patches.prepare: it pre-imports subprocess, which
    # costs milliseconds at every start; with the kernel refusing fork, it is not needed.)
    _hermetic.push_cli_json(policy_json)
    sys.excepthook = _report_uncaught(sys.excepthook)
    sys.exit = _exit_reporting_violation(sys.exit)  # type: ignore[assignment]


def enter_user_code() -> None:
    """The Python-side guards, once the interpreter's start-up is over."""
    with blocker._LOCK:
        _patches.sync(_hermetic.effective())


def _runner_files() -> list[str]:
    """Where the interpreter's own start-up compiles code: site runs the import lines of .pth
    files with exec, runpy compiles the module of ``python -m``. These belong to the installed
    environment and the command line, not to code the target makes up at run time."""
    stdlib = os.path.dirname(os.__file__)
    files = ["<frozen site>", "<frozen runpy>"]
    for name in ("site.py", "runpy.py"):
        path = os.path.join(stdlib, name)
        files += [path, os.path.realpath(path)]
    return files


def _report_and_exit(message: str) -> NoReturn:
    if not _traced:
        sys.stderr.write(f"hermetic: blocked action: {message}\n")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(BLOCKED_EXIT_STATUS)  # as hermetic-seal: no teardown that could block or write


def _report_uncaught(previous: Callable[..., Any]) -> Callable[..., Any]:
    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        if isinstance(exc, PolicyViolation):
            _report_and_exit(str(exc))
        previous(exc_type, exc, tb)

    return excepthook


def _exit_reporting_violation(previous: Callable[..., NoReturn]) -> Callable[..., NoReturn]:
    def exit(status: object = None) -> NoReturn:
        last = _hermetic.last_violation()
        if status not in (None, 0) and last is not None:
            _report_and_exit(last)
        previous(status)

    return exit
