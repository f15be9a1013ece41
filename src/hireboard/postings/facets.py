"""Facet counts of a search: exact for small results, a deterministic sample past that.

Estimated counts come from a sample scaled to the planner's row count: reading every match
of a common term (a third of a million postings for "engineer") would cost more than the
search itself. The sample must be the same for the same query and data, or identical
searches answer different facets and no ETag or cache can hold (``gin_fuzzy_search_limit``,
used before, hands back a random subset). Two deterministic samples, whichever reads less:

- common terms: ``TABLESAMPLE SYSTEM (p) REPEATABLE (0)``, the same blocks every time,
  with ``p`` chosen so that about ``SAMPLE`` matches fall in it, as long as it reads at
  most ``MAX_SAMPLED_ROWS`` rows;
- rarer ones: the first ``SAMPLE`` matches in the order the scan meets them (physical
  order), which stops after ``SAMPLE`` rows; it leans towards the older rows of the table,
  a price paid for not reading every match (up to ``SAMPLE * rows / MAX_SAMPLED_ROWS``:
  12,500 at a million postings) on every search.

Results are cached per query signature (the filters, never the cursor) for a few seconds in
the process's cache (``app.state.cache``: single flight, dropped when "postings" is
announced), and only for the published set, the same for every caller.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.kit.cache import LocalCache
from hireboard.postings.search import PUBLISHED, Query, Where, source, where

FACETS = ("level", "workplace_type", "country", "skill")
# About this many matches are counted when the result is too large to count.
SAMPLE = 250
# A table sample reads about this many rows at most, or the id-ordered sample is used.
MAX_SAMPLED_ROWS = 20_000


async def facets(
    session: AsyncSession,
    query: Query,
    *,
    exact_limit: int,
    cache_seconds: float,
    cache: LocalCache | None = None,
    matches: int | None = None,
) -> dict[str, Any]:
    """Counts per value over the whole result; exact up to ``exact_limit`` matches, then
    estimated (and marked so). ``matches``: the exact number, when the search counted it."""
    if matches == 0:
        return {name: [] for name in FACETS}
    condition = where(query)
    # Only the published set is the same for every caller; incremental sync reads
    # ``postings`` under the caller's row-level security, so it is not shared.
    shared = source(query) is PUBLISHED and cache is not None and cache_seconds > 0
    if not shared or cache is None:
        return await _compute(session, query, condition, exact_limit, matches)
    return await cache.get_or_compute(
        _signature(condition, exact_limit),
        lambda: _compute(session, query, condition, exact_limit, matches),
        ttl=cache_seconds,
        tags=("postings",),
        size=_size_of,
    )


async def _compute(
    session: AsyncSession, query: Query, condition: Where, exact_limit: int, matches: int | None
) -> dict[str, Any]:
    table = source(query).table
    if matches is None:
        planned, estimated = await _size(session, table, condition, exact_limit)
    else:
        planned, estimated = float(matches), matches > exact_limit
    sample = await _sample(session, table, planned) if estimated else ""
    grouped = await _counted(session, query, condition, sample)
    sampled = sum(row.n for row in grouped["level"])
    scale = max(1.0, planned / sampled) if estimated and sampled else 1.0
    out: dict[str, Any] = {}
    for name, rows in grouped.items():
        rows.sort(key=lambda row: (-row.n, row.value))
        out[name] = [
            {"value": row.value, "count": round(row.n * scale), "estimated": estimated}
            for row in rows[:20]
        ]
    return out


async def _size(
    session: AsyncSession, table: str, condition: Where, exact_limit: int
) -> tuple[float, bool]:
    """The planner's row count, and whether the result is past ``exact_limit``.

    The planner's estimate comes first (no rows read): well above the limit, counting
    exactly up to it would only confirm what the estimate says, and would build the bitmap
    of every match of a common term (30 ms at a million postings). Twice the limit: the
    estimates seen at a million postings were within 10 % of the true counts."""
    plan = await session.scalar(
        text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE {condition.sql}"),  # noqa: S608
        condition.params,
    )
    document = json.loads(plan) if isinstance(plan, str) else plan
    planned = float(document[0]["Plan"]["Plan Rows"])
    if planned > 2 * exact_limit:
        return planned, True
    capped = await session.scalar(
        text(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {condition.sql} "  # noqa: S608
            "LIMIT :cap) s"
        ),
        {**condition.params, "cap": exact_limit + 1},
    )
    return planned, int(capped or 0) > exact_limit


async def _sample(session: AsyncSession, table: str, planned: float) -> str:
    """The sampling clause for an estimated result: a repeatable table sample when it reads
    few enough rows, else the first ``SAMPLE`` matches the scan meets (module docstring)."""
    name = table.split()[0]
    rows = float(
        await session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": name}
        )
        or 0
    )
    percent = min(100.0, 100.0 * SAMPLE / max(planned, 1.0))
    if rows * percent / 100 <= MAX_SAMPLED_ROWS:
        return f"TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE (0)"
    # The first matches in the order the scan meets them (the table's physical order under
    # the bitmap scan the text index gives): the same for the same data and plan, and it
    # stops after SAMPLE rows. Ordering by id instead read and sorted every match: 686 ms
    # against 25 ms for a two-word query with a level at a million postings (EXPLAIN
    # ANALYZE), and the 1.5 s search timeout under 32 connections.
    return f"LIMIT {SAMPLE}"


async def _counted(
    session: AsyncSession, query: Query, condition: Where, sample: str
) -> dict[str, list[Any]]:
    """``(facet, value, n)`` rows per facet, over every match or the ``sample``."""
    found = source(query)
    name, alias = found.table.split()
    sampled = sample.startswith("TABLESAMPLE")
    table = f"{name} {alias} {sample}" if sampled else found.table
    tail = "" if sampled else f" {sample}"
    result = await session.execute(
        text(
            "WITH hits AS MATERIALIZED (SELECT f.level, f.workplace_type, f.countries, "  # noqa: S608 - fixed SQL fragments, values are parameters
            f"{found.skills} AS skills FROM {table} WHERE {condition.sql}{tail}) "
            "SELECT 'level' AS facet, level AS value, count(*) AS n FROM hits GROUP BY level "
            "UNION ALL SELECT 'workplace_type', workplace_type, count(*) FROM hits "
            "GROUP BY workplace_type "
            "UNION ALL SELECT 'country', c, count(*) FROM hits, unnest(countries) c GROUP BY c "
            "UNION ALL SELECT 'skill', s, count(*) FROM hits, unnest(skills) s "
            "GROUP BY s"
        ),
        condition.params,
    )
    grouped: dict[str, list[Any]] = {name: [] for name in FACETS}
    for row in result:
        grouped[row.facet].append(row)
    return grouped


def _signature(condition: Where, exact_limit: int) -> str:
    params = json.dumps(condition.params, sort_keys=True, default=str)
    return f"facets\x00{condition.sql}\x00{params}\x00{exact_limit}"


def _size_of(counted: dict[str, Any]) -> int:
    """About what the counts hold in memory, for the cache's byte bound."""
    return 200 + sum(64 * len(values) for values in counted.values())
