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

import os
import sys

from hermetic import _hermetic, _patches, blocker
from hermetic.errors import PolicyViolation

# Every Python start of a CLI run imports this module: no json, no typing at run time (they
# cost milliseconds there). The native module answers what the policy says.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, NoReturn

BLOCKED_EXIT_STATUS = 2

_traced = False  # with trace on, the line was printed when the action was blocked


def activate(policy_json: str) -> None:
    """Make ``policy_json`` the target's permanent policy and install the exit behaviour."""
    global _traced
    # Permanent like a sealed policy, without applying the kernel layer a second time: the
    # launcher applied it before exec. (No _patches.prepare: it pre-imports subprocess, which
    # costs milliseconds at every start; with the kernel refusing fork, it is not needed.)
    _hermetic.push_cli_json(policy_json)
    _traced = bool(_hermetic.effective()["trace"])
    sys.excepthook = _report_uncaught(sys.excepthook)
    sys.exit = _exit_reporting_violation(sys.exit)  # type: ignore[assignment]


def enter_user_code(user_code_policy_json: str | None = None) -> None:
    """The Python-side guards, once the interpreter's start-up is over; the part of the policy
    that only user code meets (block_code_exec: .pth files run code through exec), as one more
    permanent level; and under block_native the kernel part too: from here on no executable
    memory, so no native code arrives by any route (ExtensionFileLoader, ctypes, cffi)."""
    if user_code_policy_json is not None:
        # block_code_exec from here on: the main program of `python -m` is compiled by runpy,
        # trusted besides the defaults hermetic/__init__ set.
        _hermetic.set_trusted_code_files([*_patches.trusted_code_files(), *_runner_files()])
        _hermetic.push_cli_json(user_code_policy_json)
    effective = _hermetic.effective()
    with blocker._LOCK:
        _patches.sync(effective)
    if effective["block_native"]:
        _hermetic.deny_native_code()


def _runner_files() -> list[str]:
    """Where the interpreter compiles the main program itself: runpy for ``python -m``. That
    code comes from the command line, not made up by the target at run time."""
    path = os.path.join(os.path.dirname(os.__file__), "runpy.py")
    return ["<frozen runpy>", path, os.path.realpath(path)]


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
