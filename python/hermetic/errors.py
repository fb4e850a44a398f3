"""Exception types raised by hermetic guard setup and enforcement.

Same names and attributes as hermetic-seal 1.0.0. Subclasses keep ordinary error handling
working: a denied import is also an ``ImportError`` (so ``try: import x / except ImportError``
fallbacks still work), and a refusal of a call the kernel would refuse with an error (a
connection, a name lookup, a write, a new process, a read outside ``fs_root``) is also that
``PermissionError``, with its errno (so ``except OSError`` handling works: best-effort caches,
``os.makedirs(..., exist_ok=True)``, clients reporting a failed connection).

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
- ``PermissionPolicyViolation(PolicyViolation, PermissionError)``:
  ``PermissionPolicyViolation(message, *, guard=None, target=None, errno=EACCES,
  filename=None)``; ``errno`` is the kernel's (EACCES; EPERM for a new process), ``strerror``
  the message, ``filename`` the path refused (or ``None``); ``str()`` is the message alone.
- ``ReadOutsideRootViolation(PermissionPolicyViolation)``: a read outside ``fs_root``;
  ``filename`` is the path read.
- ``BootstrapError(HermeticError)``: raised when bootstrap mode fails.
"""

from __future__ import annotations

from hermetic._hermetic import (
    BootstrapError,
    HermeticError,
    ImportPolicyViolation,
    PermissionPolicyViolation,
    PolicyViolation,
    ReadOutsideRootViolation,
)

__all__ = [
    "BootstrapError",
    "HermeticError",
    "ImportPolicyViolation",
    "PermissionPolicyViolation",
    "PolicyViolation",
    "ReadOutsideRootViolation",
]
