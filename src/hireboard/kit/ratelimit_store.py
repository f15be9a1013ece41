"""A ``limits`` storage on PostgreSQL: rate limits shared by processes without Redis.

A limit counted in each process's memory multiplies with the number of processes (and a
login throttle that forgets a failure when the next attempt lands on another worker is
no throttle). When several processes serve and no Redis is configured, the counters live
in ``rate_limit_counters`` (an UNLOGGED table: a crash may forget them, which is what a
restart of Redis does too). Each counter is one row, incremented by an upsert that
starts a fresh window once the old one has expired, so one statement both counts and
reads; the strategy over it is a fixed window (a moving window would need a row per
hit). Expired rows are removed now and then by the incrementing request itself.
"""

from __future__ import annotations

import secrets
import time

from limits.aio.storage import Storage
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

_SWEEP_ONE_IN = 200  # increments that also delete expired rows

_INCR = text(
    """
    INSERT INTO rate_limit_counters AS c (key, value, expires_at)
    VALUES (:key, :amount, now() + make_interval(secs => CAST(:expiry AS float8)))
    ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN c.expires_at <= now() THEN EXCLUDED.value
                     ELSE c.value + EXCLUDED.value END,
        expires_at = CASE WHEN c.expires_at <= now() THEN EXCLUDED.expires_at
                          ELSE c.expires_at END
    RETURNING value
    """
)
_GET = text("SELECT value FROM rate_limit_counters WHERE key = :key AND expires_at > now()")
_EXPIRY = text(
    "SELECT extract(epoch FROM expires_at)::float8 FROM rate_limit_counters "
    "WHERE key = :key AND expires_at > now()"
)
_CLEAR = text("DELETE FROM rate_limit_counters WHERE key = :key")
_SWEEP = text("DELETE FROM rate_limit_counters WHERE expires_at <= now()")


class PostgresStorage(Storage):
    """Counters in ``rate_limit_counters`` on the app's write engine."""

    # Built from an engine, never from a URL.
    STORAGE_SCHEME = ["hireboard+postgresql"]  # noqa: RUF012 - the base declares the type

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (DBAPIError, OSError)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        async with self.engine.begin() as conn:
            value = await conn.scalar(_INCR, {"key": key, "amount": amount, "expiry": expiry})
            if secrets.randbelow(_SWEEP_ONE_IN) == 0:
                await conn.execute(_SWEEP)
        return int(value or 0)

    async def get(self, key: str) -> int:
        async with self.engine.connect() as conn:
            value = await conn.scalar(_GET, {"key": key})
        return int(value or 0)

    async def get_expiry(self, key: str) -> float:
        async with self.engine.connect() as conn:
            value = await conn.scalar(_EXPIRY, {"key": key})
        return float(value) if value is not None else time.time()

    async def check(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (DBAPIError, OSError):
            return False
        return True

    async def reset(self) -> int | None:
        async with self.engine.begin() as conn:
            result = await conn.execute(text("DELETE FROM rate_limit_counters"))
        return result.rowcount

    async def clear(self, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(_CLEAR, {"key": key})
