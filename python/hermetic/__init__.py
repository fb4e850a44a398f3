"""hermetic: run Python tools, programs or functions with capabilities switched off."""

from __future__ import annotations

__all__ = ["__version__"]
__version__ = "0.1.0"
