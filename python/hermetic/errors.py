"""Exception types raised by hermetic guard setup and enforcement.

Same names and attributes as hermetic-seal 1.0.0. Two subclasses keep ordinary error handling
working: a denied import is also an ``ImportError`` (so ``try: import x / except ImportError``
fallbacks still work), and a read outside ``fs_root`` is also a ``PermissionError`` (so code
that tolerates unreadable files, such as traceback source lookup, keeps working).

The classes are made by the native module (src/python/error_classes.cpp), so that the guards
raise these very classes from a Python target's first line on, whether or not this package was
imported; they are ordinary exception classes (``__module__`` is ``hermetic.errors``):

- ``HermeticError(RuntimeError)``: base for hermetic failures.
- ``PolicyViolation(HermeticError)``: raised when a guard blocks an action;
  ``PolicyViolation(message, *, guard=None, target=None)``. ``guard`` is the machine-readable
  guard name (``"network"``, ``"subprocess"``, ``"filesystem"``, ``"environment"``,
  ``"code_exec"``, ``"interpreter"``, ``"imports"``), ``target`` what was blocked (host, path,
  import name...) or ``None``.
- ``ImportPolicyViolation(PolicyViolation, ImportError)``: also sets ``msg`` and ``name``.
- ``ReadOutsideRootViolation(PolicyViolation, PermissionError)``: also sets ``errno``
  (EACCES), ``strerror`` and ``filename``; ``str()`` is the message alone.
- ``BootstrapError(HermeticError)``: raised when bootstrap mode fails.
"""

from __future__ import annotations

from hermetic._hermetic import (
    BootstrapError,
    HermeticError,
    ImportPolicyViolation,
    PolicyViolation,
    ReadOutsideRootViolation,
)

__all__ = [
    "BootstrapError",
    "HermeticError",
    "ImportPolicyViolation",
    "PolicyViolation",
    "ReadOutsideRootViolation",
]
