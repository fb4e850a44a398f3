"""hermetic: run Python tools, programs or functions with capabilities switched off.

Importing this package registers hermetic's audit hook (a native, process-wide hook that
cannot be removed); it enforces nothing until a blocker is entered::

    from hermetic import hermetic_blocker, with_hermetic, PolicyViolation

    with hermetic_blocker(block_network=True, allow_localhost=True):
        ...

PYTEST_DONT_REWRITE: under the CLI, a policy with a guard written in Python imports this package
before the main program (pytest) runs, and pytest would warn that its plugin (hermetic's entry
point) was imported too early to have its asserts rewritten. It has none to rewrite.
"""

from __future__ import annotations

# Bound here, not left to the import system: under the CLI the extension is made the module
# hermetic._hermetic before this package is imported, and a module already in sys.modules is not
# set as its package's attribute.
from hermetic import _hermetic as _hermetic
from hermetic.blocker import BlockConfig, hermetic_blocker, with_hermetic
from hermetic.errors import HermeticError, PolicyViolation
from hermetic.errors import ImportPolicyViolation as ImportPolicyViolation
from hermetic.errors import PermissionPolicyViolation as PermissionPolicyViolation
from hermetic.errors import ReadOutsideRootViolation as ReadOutsideRootViolation

__all__ = [
    "BlockConfig",
    "HermeticError",
    "PolicyViolation",
    "__version__",
    "hermetic_blocker",
    "with_hermetic",
]
__version__ = "0.1.0"
