"""Rate limits per route and per client, declared next to the route.

    LOGIN = Policy("login", "10/15 minutes", on_store_error="closed")

    @router.post("/token", dependencies=[rate_limit(LOGIN)])

Counters live in memory (one process), in Redis (shared, moving window), or - with several
processes and no Redis - in PostgreSQL (shared, fixed window; ``kit/ratelimit_store.py``):
a limit that must hold across processes is never counted per process. Every answer of a
limited route - errors included - carries ``RateLimit-Policy`` and ``RateLimit`` headers
(draft-ietf-httpapi-ratelimit-headers, structured-field syntax; one list item per policy
counted), added by ``RateLimitHeadersMiddleware``; once over, 429
with ``Retry-After``.

When the store cannot be reached each policy says what happens: ``open`` lets the request
through (counted in ``hireboard_rate_limit_store_errors_total`` and logged as a warning) -
right for reads, where refusing everyone is worse than not counting; ``closed`` refuses
with 503 - right where the limit is a defence (logins, sign-ups).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import Depends
from limits import RateLimitItem, parse
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.aio.strategies import RateLimiter as Strategy
from limits.storage import storage_from_string
from prometheus_client import Counter
from redis.asyncio import ConnectionPool
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hireboard.errors import RateLimited, RateLimitUnavailable
from hireboard.kit.caller import caller_id
from hireboard.kit.ratelimit_store import PostgresStorage

logger = logging.getLogger("hireboard.ratelimit")
_UNAVAILABLE_RETRY_S = "5"
_STATE_KEY = "rate_limits"


@dataclass(frozen=True)
class Policy:
    name: str
    # "<amount>/<multiple> <granularity>" ("100/minute", "10/15 minutes"), or a function of
    # the request giving one (limits that are settings).
    limit: str | Callable[[Request], str]
    on_store_error: Literal["open", "closed"] = "open"
    client: Callable[[Request], str] = field(default=caller_id)

    def item(self, request: Request) -> RateLimitItem:
        return parse(self.limit if isinstance(self.limit, str) else self.limit(request))


class RateLimiter:
    """The counters' store and strategy, shared by every policy of an app.

    ``shared_engine``: where counters go when they must be shared and there is no Redis.
    """

    def __init__(
        self, redis_url: str | None, errors: Counter, *, shared_engine: AsyncEngine | None = None
    ) -> None:
        self.errors = errors
        self._pool: ConnectionPool | None = None
        self.strategy: Strategy
        if redis_url is None and shared_engine is not None:
            self.storage: AsyncStorage = PostgresStorage(shared_engine)
            self.strategy = FixedWindowRateLimiter(self.storage)
            return
        if redis_url is None:
            storage = storage_from_string("async+memory://")
        else:
            # Our own pool (redis-py, already a dependency): short timeouts, so a dead
            # Redis costs a request half a second, and a pool we can close on shutdown.
            self._pool = ConnectionPool.from_url(
                redis_url, socket_connect_timeout=0.5, socket_timeout=0.5
            )
            options: dict[str, Any] = {"implementation": "redispy", "connection_pool": self._pool}
            storage = storage_from_string("async+" + redis_url, **options)
        if not isinstance(storage, AsyncStorage):  # "async+" URLs always give one
            raise TypeError(f"expected an asyncio storage, got {type(storage).__name__}")
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def apply(self, policy: Policy, request: Request) -> None:
        item, client = policy.item(request), policy.client(request)
        try:
            allowed = await self.strategy.hit(item, policy.name, client)
            stats = await self.strategy.get_window_stats(item, policy.name, client)
        except Exception as exc:  # the store (Redis) is unreachable or failing
            self.store_failed(policy, exc)
            return
        reset_in = max(0, round(stats.reset_time - time.time()))
        counted(request)[policy.name] = (
            f'"{policy.name}";q={item.amount};w={item.get_expiry()}',
            f'"{policy.name}";r={stats.remaining};t={reset_in}',
        )
        if not allowed:
            raise RateLimited(
                f"Limit of {policy.limit} reached; retry in {max(reset_in, 1)} s.",
                headers={"Retry-After": str(max(reset_in, 1))},
            )

    def store_failed(self, policy: Policy, exc: Exception) -> None:
        """Fail open (count, warn, allow) or closed (503), as the policy says."""
        self.errors.labels(policy.name, policy.on_store_error).inc()
        if policy.on_store_error == "open":
            logger.warning("rate-limit store unavailable; allowing", extra={"policy": policy.name})
            return
        raise RateLimitUnavailable(
            "Rate limiting is unavailable; retry shortly.",
            headers={"Retry-After": _UNAVAILABLE_RETRY_S},
        ) from exc


def counted(request: Request) -> dict[str, tuple[str, str]]:
    """The policies counted for this request: name -> (``RateLimit-Policy`` item,
    ``RateLimit`` item).

    Kept on the request, not on a dependency's ``Response``: that one is dropped when the
    handler raises, and a limited route's 401 or 429 must carry the headers too.
    """
    state = request.scope.setdefault("state", {})
    found: dict[str, tuple[str, str]] = state.setdefault(_STATE_KEY, {})
    return found


class RateLimitHeadersMiddleware:
    """Puts the request's counted limits on its answer, whatever the answer is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_limits(message: Message) -> None:
            limits = scope.get("state", {}).get(_STATE_KEY)
            if message["type"] == "http.response.start" and limits:
                headers = MutableHeaders(scope=message)
                headers["RateLimit-Policy"] = ", ".join(p for p, _ in limits.values())
                headers["RateLimit"] = ", ".join(r for _, r in limits.values())
            await send(message)

        await self.app(scope, receive, send_with_limits)


def rate_limit(policy: Policy) -> Any:
    """A route dependency applying ``policy`` (also documents 429 for the route)."""

    async def limited(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        await limiter.apply(policy, request)

    return Depends(limited)
