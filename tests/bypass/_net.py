"""Loads the network fixtures of tests/cli/netns.py for the bypass tests: one module, so its
fixtures (registered through `pytest_plugins = ["netns"]`) exist once per session."""

import importlib
import sys
from pathlib import Path

import pytest

_CLI = str(Path(__file__).resolve().parent.parent / "cli")
if _CLI not in sys.path:
    sys.path.append(_CLI)
pytest.register_assert_rewrite("netns")
netns = importlib.import_module("netns")
