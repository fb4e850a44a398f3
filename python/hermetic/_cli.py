"""The Python-side guards of a Python target run by the hermetic CLI.

Everything else of the CLI's in-process layer happens in C (src/python/cli_bootstrap.cpp,
cli_exit.cpp): the policy is pushed before site runs, and a violation that ends the program
(uncaught, an uncaught error raised from it, ``sys.exit`` while handling it) ends the run with
``hermetic: blocked action: ...`` and status 2; other exits keep the program's status. This
module is imported only when the policy needs a guard written in Python (the guarded
``os.environ``, ``sys.path`` and ``__import__``): just before the main program runs, since those
guards would fail the environment's own start-up (.pth files read ``os.environ``).
"""

from __future__ import annotations

from hermetic import _hermetic, _patches, blocker

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hermetic._hermetic import Token


def enter_user_code(token: Token) -> None:
    """Make the Python-side guards match the CLI's policy, for the rest of the run.

    ``token`` is the CLI level's, handed over by the bootstrap for this call only.
    """
    with blocker._LOCK:
        _patches.sync(_hermetic.effective(), token)
