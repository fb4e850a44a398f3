"""Loads tests/cli/fs_helpers.py by path: one copy of the --fs-readonly test helpers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "hermetic_fs_helpers", Path(__file__).resolve().parents[1] / "cli" / "fs_helpers.py"
)
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)
