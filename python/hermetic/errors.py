"""Exception types raised by hermetic guard setup and enforcement.

Same names and attributes as hermetic-seal 1.0.0. Two subclasses keep ordinary error handling
working: a denied import is also an ``ImportError`` (so ``try: import x / except ImportError``
fallbacks still work), and a read outside ``fs_root`` is also a ``PermissionError`` (so code
that tolerates unreadable files, such as traceback source lookup, keeps working).
"""

from __future__ import annotations

import errno as _errno

__all__ = [
    "BootstrapError",
    "HermeticError",
    "ImportPolicyViolation",
    "PolicyViolation",
    "ReadOutsideRootViolation",
]


class HermeticError(RuntimeError):
    """Base for hermetic failures."""


class PolicyViolation(HermeticError):
    """Raised when a guard blocks an action.

    Attributes:
        guard: Machine-readable guard name (``"network"``, ``"subprocess"``,
               ``"filesystem"``, ``"environment"``, ``"code_exec"``,
               ``"interpreter"``, ``"imports"``).
        target: Optional detail about what was blocked (host, path, import name...).
    """

    guard: str | None
    target: str | None

    def __init__(
        self,
        message: str,
        *,
        guard: str | None = None,
        target: str | None = None,
    ) -> None:
        """Create a policy violation with an optional machine-readable guard name."""
        super().__init__(message)
        self.guard = guard
        self.target = target


class ImportPolicyViolation(PolicyViolation, ImportError):
    """A denied import: a PolicyViolation that ``except ImportError`` also catches."""

    def __init__(
        self,
        message: str,
        *,
        guard: str | None = None,
        target: str | None = None,
    ) -> None:
        """Create the violation; ``name`` is the module, as ImportError has it."""
        super().__init__(message, guard=guard, target=target)
        self.msg = message
        self.name = target


class ReadOutsideRootViolation(PolicyViolation, PermissionError):
    """A read outside ``fs_root``: a PolicyViolation that is also a PermissionError."""

    def __init__(
        self,
        message: str,
        *,
        guard: str | None = None,
        target: str | None = None,
    ) -> None:
        """Create the violation with ``errno``/``filename`` set as an OSError would."""
        super().__init__(message, guard=guard, target=target)
        self.errno = _errno.EACCES
        self.strerror = message
        self.filename = target

    def __str__(self) -> str:
        """The message alone, as for every PolicyViolation (not OSError's "[Errno 13] ...")."""
        return str(self.args[0]) if self.args else ""


class BootstrapError(HermeticError):
    """Raised when bootstrap mode fails."""
