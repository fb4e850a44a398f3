"""Fixtures of the learn suite: two HTTP servers on fixed loopback ports (learn lists a port
below the ephemeral range; a port-0 server would make it allow every loopback port) and a place
to run targets in (learn_support.py).

Only 127.0.0.1 is contacted; no name is resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from learn_support import Place, Server


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[Server, Server]]:
    """The server a target learns against, and another one its variant must not reach."""
    first, second = Server(), Server()
    try:
        yield first, second
    finally:
        first.close()
        second.close()


@pytest.fixture
def place(tmp_path: Path, hermetic_bin: str, clean_env) -> Place:
    work = tmp_path / "work"
    home = tmp_path / "home"
    work.mkdir()
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Learn Test\n\temail = learn@test.invalid\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n")
    env = clean_env({"HOME": str(home), "LANG": "C.UTF-8", "GIT_CONFIG_NOSYSTEM": "1",
                     "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1",
                     "PYTHONDONTWRITEBYTECODE": "1"})
    return Place(tmp_path, work, home, env, hermetic_bin)
