"""hermetic: run Python tools, programs or functions with capabilities switched off.

Importing this package registers hermetic's audit hook (a native, process-wide hook that
cannot be removed); it enforces nothing until a blocker is entered::

    from hermetic import hermetic_blocker, with_hermetic, PolicyViolation

    with hermetic_blocker(block_network=True, allow_localhost=True):
        ...
"""

from __future__ import annotations

from hermetic import _hermetic, _patches
from hermetic.errors import (
    HermeticError,
    ImportPolicyViolation,
    PolicyViolation,
    ReadOutsideRootViolation,
)

_hermetic.register_errors(
    PolicyViolation, ImportPolicyViolation, ReadOutsideRootViolation, HermeticError
)
_hermetic.set_trusted_code_files(_patches.trusted_code_files())

from hermetic.blocker import BlockConfig, hermetic_blocker, with_hermetic  # noqa: E402

__all__ = [
    "BlockConfig",
    "HermeticError",
    "PolicyViolation",
    "__version__",
    "hermetic_blocker",
    "with_hermetic",
]
__version__ = "0.1.0"
