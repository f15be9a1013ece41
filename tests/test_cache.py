"""The per-process cache: single flight, bounds, and invalidation that follows commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hireboard.config import Settings
from hireboard.db import cache_bus, create_engine
from hireboard.kit.cache import CacheBus, LocalCache, announce

pytestmark = pytest.mark.anyio


def _enabled(max_bytes: int = 1 << 20) -> LocalCache:
    cache = LocalCache(max_bytes=max_bytes)
    cache.enabled = True
    return cache


async def test_a_miss_is_computed_once_for_every_waiting_request() -> None:
    cache = _enabled()
    calls = 0
    release = asyncio.Event()

    async def compute() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "answer"

    waiting = [asyncio.create_task(cache.get_or_compute("k", compute, ttl=60)) for _ in range(50)]
    await asyncio.sleep(0.01)
    release.set()
    assert await asyncio.gather(*waiting) == ["answer"] * 50
    assert calls == 1
    assert await cache.get_or_compute("k", compute, ttl=60) == "answer"
    assert calls == 1


async def test_a_failed_computation_reaches_every_waiter_and_is_not_kept() -> None:
    cache = _enabled()
    calls = 0
    release = asyncio.Event()

    async def fail() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        raise RuntimeError("database down")

    waiting = [asyncio.create_task(cache.get_or_compute("k", fail, ttl=60)) for _ in range(5)]
    await asyncio.sleep(0.01)
    release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert calls == 1
    assert cache.peek("k") is None


async def test_entries_expire_and_the_least_recently_used_go_first() -> None:
    cache = _enabled(max_bytes=1000)

    async def value(v: str) -> str:
        return v

    await cache.get_or_compute("short", lambda: value("s"), ttl=0.05)
    await asyncio.sleep(0.06)
    assert cache.peek("short") is None
    for key in "abcd":
        await cache.get_or_compute(key, partial(value, key), ttl=60, size=lambda _: 240)
    assert cache.peek("a") == "a"  # used: "b" is now the oldest
    await cache.get_or_compute("e", lambda: value("e"), ttl=60, size=lambda _: 240)
    assert cache.peek("b") is None
    assert [cache.peek(k) for k in "acde"] == ["a", "c", "d", "e"]
    assert cache.stats.evictions == 1
    await cache.get_or_compute("huge", lambda: value("h"), ttl=60, size=lambda _: 600)
    assert cache.peek("huge") is None  # more than a quarter of the budget is never kept


async def test_a_value_read_before_an_invalidation_is_not_kept() -> None:
    cache = _enabled()
    release = asyncio.Event()

    async def old_form() -> str:
        await release.wait()
        return "old"

    reading = asyncio.create_task(
        cache.get_or_compute("posting", old_form, ttl=60, tags=["posting:1"])
    )
    await asyncio.sleep(0.01)
    assert cache.invalidate(["posting:1"]) == 0
    release.set()
    assert await reading == "old"
    assert cache.peek("posting") is None


async def test_invalidation_drops_only_the_tagged_entries() -> None:
    cache = _enabled()

    async def value() -> str:
        return "v"

    await cache.get_or_compute("one", value, ttl=60, tags=["posting:1", "postings"])
    await cache.get_or_compute("two", value, ttl=60, tags=["posting:2", "postings"])
    await cache.get_or_compute("stats", value, ttl=60, tags=["market"])
    assert cache.invalidate(["posting:1"]) == 1
    assert (cache.peek("one"), cache.peek("two"), cache.peek("stats")) == (None, "v", "v")
    assert cache.invalidate(["*"]) == 2
    assert cache.peek("stats") is None


async def test_a_disabled_cache_computes_every_time() -> None:
    cache = LocalCache(max_bytes=1 << 20)
    calls = 0

    async def compute() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert [await cache.get_or_compute("k", compute, ttl=60) for _ in range(3)] == [1, 2, 3]


@pytest.fixture
async def engine(settings: Settings, database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings, database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def bus(settings: Settings, database_url: str) -> AsyncIterator[CacheBus]:
    bus = cache_bus(settings, database_url, LocalCache(max_bytes=1 << 20))
    bus.retry_s = 0.05
    assert bus.cache.enabled is False
    await bus.start()
    assert bus.cache.enabled is True
    yield bus
    await bus.stop()
    assert bus.cache.enabled is False


async def _until(condition: object, timeout_s: float = 1.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if callable(condition) and condition():
            return True
        await asyncio.sleep(0.01)
    return False


async def _fill(cache: LocalCache, key: str, tag: str) -> None:
    async def value() -> str:
        return key

    await cache.get_or_compute(key, value, ttl=60, tags=[tag])
    assert cache.peek(key) == key


async def test_a_commit_elsewhere_reaches_this_process_and_a_rollback_does_not(
    engine: AsyncEngine, bus: CacheBus, database_url: str
) -> None:
    cache = bus.cache
    await _fill(cache, "detail", "posting:7")
    # Another process: a plain connection of its own, announcing inside its transaction.
    async with await psycopg.AsyncConnection.connect(database_url) as other:
        await other.execute("SELECT pg_notify('hireboard_cache', 'posting:8')")
        await other.rollback()
        async with other.transaction():
            await other.execute("SELECT pg_notify('hireboard_cache', 'posting:7 postings')")
            await asyncio.sleep(0.2)
            assert cache.peek("detail") == "detail"  # not before the commit
    assert await _until(lambda: cache.peek("detail") is None)


async def test_the_committing_process_drops_its_entries_at_commit(
    engine: AsyncEngine, bus: CacheBus
) -> None:
    cache = _enabled()  # another cache of this process: notified, but not the bus's
    await _fill(cache, "kept", "posting:1")
    await _fill(cache, "dropped", "posting:2")
    async with AsyncSession(engine) as session:
        await session.begin()
        await announce(session, ["posting:1"])
        await session.rollback()
    await asyncio.sleep(0.2)
    assert cache.peek("kept") == "kept"
    async with AsyncSession(engine) as session:
        await session.begin()
        await announce(session, ["posting:2"])
        assert cache.peek("dropped") == "dropped"
        await session.commit()
        assert cache.peek("dropped") is None  # at once, not when the notification arrives


async def test_caching_pauses_while_the_bus_is_disconnected(
    bus: CacheBus, database_url: str
) -> None:
    cache = bus.cache
    await _fill(cache, "k", "t")
    with psycopg.connect(database_url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'hireboard-cache-bus' AND datname = current_database()"
        ).fetchone()
    assert killed == (1,)
    assert await _until(lambda: cache.enabled is False)
    assert cache.peek("k") is None  # cleared: notifications may have been missed
    assert await _until(lambda: cache.enabled is True, timeout_s=5)


async def test_waiters_outlive_a_cancelled_computation() -> None:
    """The request computing a miss goes away (its client left): the others still answer."""
    cache = _enabled()
    started = asyncio.Event()
    calls = 0

    async def slow() -> str:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.sleep(0.05)
        return "answer"

    first = asyncio.create_task(cache.get_or_compute("k", slow, ttl=60))
    await started.wait()
    waiting = asyncio.create_task(cache.get_or_compute("k", slow, ttl=60))
    await asyncio.sleep(0)
    first.cancel()
    assert await waiting == "answer"
    assert first.cancelled()
    assert calls == 2
