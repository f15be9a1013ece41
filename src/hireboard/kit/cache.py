"""Rendered public answers kept in each worker, dropped everywhere when their data changes.

``LocalCache`` is one process's bounded store (least recently used goes first once its
bytes exceed the budget). A miss is computed once however many requests wait for it
(single flight). Entries carry tags (``posting:<id>``, ``postings``, ``market``...).

A write says which tags it changes with ``announce(session, tags)``: that is a
``pg_notify`` inside the write's own transaction, so PostgreSQL delivers it exactly when,
and only if, the transaction commits. ``CacheBus`` in every process (and every replica on
the same primary) LISTENs and drops the tagged entries. The committing process also drops
them itself right after the commit, so its own next request never sees the old form.

While the bus is not listening (starting, or its connection lost) nothing is served from
the cache: a missed notification could otherwise keep a stale answer forever. Reconnecting
clears the cache for the same reason.

Chosen over a library: cachetools has no async single flight or tag invalidation, and
aiocache's in-memory backend has no byte bound; the LRU itself is an ``OrderedDict``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

logger = logging.getLogger("hireboard.cache")

T = TypeVar("T")
CHANNEL = "hireboard_cache"
_PAYLOAD_LIMIT = 7900  # PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more
_EVERYTHING = "*"
_PENDING_KEY = "hireboard_cache_tags"


@dataclass(slots=True)
class _Entry:
    value: Any
    size: int
    tags: frozenset[str]
    expires: float


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    invalidations: int = 0


@dataclass(eq=False)
class LocalCache:
    """One process's cache of computed answers, bounded by ``max_bytes``."""

    max_bytes: int
    enabled: bool = False
    stats: CacheStats = field(default_factory=CacheStats)
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict)
    _flights: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    _bytes: int = 0
    _generation: int = 0

    def __post_init__(self) -> None:
        _LOCAL.add(self)

    def peek(self, key: str) -> Any | None:
        """The fresh value under ``key``, or None (also while disabled)."""
        if not self.enabled:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    async def get_or_compute(
        self,
        key: str,
        compute: Callable[[], Awaitable[T]],
        *,
        ttl: float,
        tags: Iterable[str] = (),
        size: Callable[[T], int] = lambda value: 256,
    ) -> T:
        """The cached value, or ``compute()``'s, computed once for all concurrent callers.

        A value computed while an invalidation happened is handed to its waiters but not
        kept: it may have been read before the change committed.
        """
        cached = self.peek(key)
        if cached is not None:
            self.stats.hits += 1
            return cached  # type: ignore[no-any-return]
        if not self.enabled:
            return await compute()
        flight = self._flights.get(key)
        if flight is not None:
            self.stats.hits += 1
            try:
                value = await asyncio.shield(flight)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if flight.cancelled() and task is not None and not task.cancelling():
                    # The request computing it went away (its client left): not ours to
                    # give up on, so compute it ourselves.
                    return await self.get_or_compute(key, compute, ttl=ttl, tags=tags, size=size)
                raise
            return value  # type: ignore[no-any-return]
        self.stats.misses += 1
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        generation = self._generation
        try:
            value = await compute()
        except asyncio.CancelledError:
            self._land(key, flight)
            flight.cancel()  # waiters compute it themselves rather than inherit the cancel
            raise
        except BaseException as exc:
            self._land(key, flight)
            flight.set_exception(exc)
            flight.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        self._land(key, flight)
        flight.set_result(value)
        if generation == self._generation and self.enabled:
            self._put(key, value, size(value), frozenset(tags), ttl)
        return value

    def invalidate(self, tags: Iterable[str]) -> int:
        """Drop every entry carrying one of ``tags`` (``*``: all); the count dropped."""
        wanted = set(tags)
        self._generation += 1
        self._flights.clear()  # later callers must not join a computation that began before
        if _EVERYTHING in wanted:
            dropped = len(self._entries)
            self.clear()
        else:
            stale = [key for key, entry in self._entries.items() if entry.tags & wanted]
            for key in stale:
                self._drop(key)
            dropped = len(stale)
        self.stats.invalidations += dropped
        return dropped

    def clear(self) -> None:
        self._generation += 1
        self._flights.clear()
        self._entries.clear()
        self._bytes = 0

    def _land(self, key: str, flight: asyncio.Future[Any]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]

    def _put(self, key: str, value: Any, size: int, tags: frozenset[str], ttl: float) -> None:
        if size > self.max_bytes // 4:
            return  # one entry never pushes out a quarter of the cache
        self._drop(key)
        self._entries[key] = _Entry(value, size, tags, time.monotonic() + ttl)
        self._bytes += size
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)
            self.stats.evictions += 1

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size


class _Caches(weakref.WeakSet["LocalCache"]):
    def invalidate(self, tags: Iterable[str]) -> None:
        wanted = list(tags)
        for cache in list(self):
            cache.invalidate(wanted)


# Every cache of this process: a notification is for all of them.
_LOCAL = _Caches()


async def announce(session: AsyncSession, tags: Iterable[str]) -> None:
    """Tell every process that ``tags`` change when ``session``'s transaction commits."""
    wanted = sorted(set(tags))
    if not wanted:
        return
    payload = " ".join(wanted)
    if len(payload.encode()) > _PAYLOAD_LIMIT:
        payload = _EVERYTHING
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {
            "channel": CHANNEL,
            "payload": payload,
        },
    )
    pending: set[str] = session.sync_session.info.setdefault(_PENDING_KEY, set())
    if not pending:
        event.listen(session.sync_session, "after_commit", _invalidate_here, once=True)
        event.listen(session.sync_session, "after_rollback", _forget, once=True)
    pending.update(payload.split())


def _invalidate_here(session: Session) -> None:
    _LOCAL.invalidate(session.info.pop(_PENDING_KEY, ()))


def _forget(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


@dataclass
class CacheBus:
    """Listens for ``announce``d tags on its own connection and drops them in this process;
    ``cache`` is served from only while it listens."""

    cache: LocalCache
    conninfo: str
    connect_kwargs: dict[str, Any]
    retry_s: float = 1.0
    ping_s: float = 15.0
    _task: asyncio.Task[None] | None = None
    _listening: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self, wait_s: float = 5.0) -> None:
        """Start listening; the caches are enabled once LISTEN has taken effect."""
        self._task = asyncio.create_task(self._run(), name="hireboard-cache-bus")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), wait_s)

    async def stop(self) -> None:
        self._pause()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database restarting, a network blip
                logger.warning("cache bus lost its connection (%s); caching paused", type(exc))
            self._pause()
            await asyncio.sleep(self.retry_s)

    def _pause(self) -> None:
        self._listening.clear()
        self.cache.enabled = False
        self.cache.clear()

    async def _listen(self) -> None:
        conn = await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, **self.connect_kwargs
        )
        async with conn:
            await conn.execute(f"LISTEN {CHANNEL}")  # a fixed identifier, not input
            self.cache.clear()  # whatever was missed while not listening
            self.cache.enabled = True
            self._listening.set()
            while True:
                async for notice in conn.notifies(timeout=self.ping_s):
                    _LOCAL.invalidate(notice.payload.split())
                await conn.execute("SELECT 1")  # a dead connection raises here


def rendered_size(value: Any) -> int:
    """Bytes a cached answer holds: its body, plus a fixed overhead for the entry."""
    body = getattr(value, "body", value)
    return (len(body) if isinstance(body, bytes | str) else 256) + 200


__all__ = [
    "CHANNEL",
    "CacheBus",
    "CacheStats",
    "LocalCache",
    "announce",
    "rendered_size",
]
