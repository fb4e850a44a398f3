"""Nesting only tightens; leaving restores; all threads and asyncio are covered."""

from __future__ import annotations

import asyncio
import socket
import threading
from socket import create_connection

import pytest
from hermetic import PolicyViolation, hermetic_blocker, with_hermetic


def test_inner_block_cannot_widen_allow_localhost(listener):
    with hermetic_blocker(block_network=True):
        with hermetic_blocker(block_network=True, allow_localhost=True):
            with pytest.raises(PolicyViolation):
                create_connection(listener.address, timeout=2)
    assert listener.settled_count() == 0


def test_inner_block_cannot_widen_allow_domains(listener):
    with hermetic_blocker(block_network=True, allow_domains=["api.test"]):
        with hermetic_blocker(block_network=True, allow_domains=["localhost"]):
            with pytest.raises(PolicyViolation):
                create_connection(("localhost", listener.port), timeout=2)
    assert listener.settled_count() == 0


def test_inner_block_cannot_widen_fs_root(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "f.txt").write_text("x")
    with hermetic_blocker(fs_root=str(inner)):
        with hermetic_blocker(fs_root=str(tmp_path)):
            with pytest.raises(PolicyViolation):
                open(tmp_path / "f.txt").read()


def test_inner_block_adds_restrictions_and_leaving_it_restores_the_outer(listener, tmp_path):
    with hermetic_blocker(block_network=True, allow_localhost=True):
        with hermetic_blocker(fs_readonly=True):
            create_connection(listener.address, timeout=2).close()
            with pytest.raises(PolicyViolation):
                open(tmp_path / "x", "w")
        open(tmp_path / "x", "w").close()  # inner gone
        create_connection(listener.address, timeout=2).close()  # outer still allows loopback
        s = socket.socket()
        with pytest.raises(PolicyViolation):
            s.bind(("0.0.0.0", 0))  # and still blocks the rest
        s.close()
    assert listener.settled_count() == 2


def test_unnested_exit_order_is_fine(tmp_path):
    a = hermetic_blocker(fs_readonly=True)
    b = hermetic_blocker(block_environment=True)
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    open(tmp_path / "x", "w").close()
    with pytest.raises(PolicyViolation):
        __import__("os").environ["PATH"]
    b.__exit__(None, None, None)
    assert __import__("os").environ["PATH"]


def test_block_applies_to_other_threads(listener):
    results = []

    def worker() -> None:
        try:
            create_connection(listener.address, timeout=2)
            results.append("connected")
        except PolicyViolation:
            results.append("blocked")

    started = threading.Event()
    go = threading.Event()

    def late_worker() -> None:  # started before the block, acts during it
        started.set()
        go.wait()
        worker()

    t0 = threading.Thread(target=late_worker)
    t0.start()
    started.wait()
    with hermetic_blocker(block_network=True):
        t1 = threading.Thread(target=worker)
        t1.start()
        t1.join()
        go.set()
        t0.join()
    assert results == ["blocked", "blocked"]
    assert listener.settled_count() == 0


def test_asyncio_runs_and_is_guarded(listener):
    async def main() -> str:
        try:
            await asyncio.open_connection(*listener.address)
        except PolicyViolation:
            return "blocked"
        return "connected"

    with hermetic_blocker(block_network=True):
        assert asyncio.run(main()) == "blocked"
    assert listener.settled_count() == 0


def test_asyncio_with_allow_localhost_connects(listener):
    async def main() -> None:
        _, writer = await asyncio.open_connection(*listener.address)
        writer.close()
        await writer.wait_closed()

    with hermetic_blocker(block_network=True, allow_localhost=True):
        asyncio.run(main())
    assert listener.settled_count() == 1


def test_async_context_manager(listener):
    async def main() -> str:
        async with hermetic_blocker(block_network=True):
            try:
                await asyncio.open_connection(*listener.address)
            except PolicyViolation:
                return "blocked"
        return "connected"

    assert asyncio.run(main()) == "blocked"
    assert listener.settled_count() == 0


def test_async_decorator_guards_the_whole_coroutine(listener):
    @with_hermetic(block_network=True)
    async def fetch() -> str:
        await asyncio.sleep(0)  # resumed after a suspension: still guarded
        try:
            create_connection(listener.address, timeout=2)
        except PolicyViolation:
            return "blocked"
        return "connected"

    assert asyncio.run(fetch()) == "blocked"
    create_connection(listener.address, timeout=2).close()  # and released afterwards
    assert listener.settled_count() == 1


def test_sync_decorator(listener):
    @with_hermetic(block_network=True)
    def fetch() -> None:
        create_connection(listener.address, timeout=2)

    with pytest.raises(PolicyViolation):
        fetch()
    assert fetch.__name__ == "fetch"
    create_connection(listener.address, timeout=2).close()
    assert listener.settled_count() == 1


def test_decorator_is_reentrant(tmp_path):
    @with_hermetic(fs_readonly=True)
    def recurse(n: int) -> int:
        return 0 if n == 0 else 1 + recurse(n - 1)

    assert recurse(3) == 3
    open(tmp_path / "x", "w").close()
