"""Public answers kept rendered (bytes and ETag) in the process's cache, ``app.state.cache``.

A route asks ``remember`` for its answer before it opens a database session: a hit, or a
304 built from it, then touches no connection. Only answers that are the same for every
caller may be remembered; anything that depends on the caller (its organizations, its
role) must be authorised and computed per request instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from starlette.requests import Request

from hireboard.kit.cache import LocalCache, rendered_size
from hireboard.kit.caching import Rendered

R = TypeVar("R", bound=Rendered)


async def remember(
    request: Request,
    key: str,
    render: Callable[[], Awaitable[R]],
    *,
    ttl: float,
    tags: Iterable[str],
) -> R:
    """The answer under ``key``, rendered once for every concurrent request (single flight)
    and kept ``ttl`` seconds or until one of ``tags`` is announced; ``ttl`` 0 keeps none."""
    cache: LocalCache | None = getattr(request.app.state, "cache", None)
    if cache is None or ttl <= 0:
        return await render()
    return await cache.get_or_compute(key, render, ttl=ttl, tags=tags, size=rendered_size)
