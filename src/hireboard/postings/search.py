"""Public search over published postings: full text, filters, facets, stable cursors.

Full text uses ``websearch_to_tsquery`` over the weighted ``search_vector``; when a query
finds nothing, a trigram match on titles tolerates typos. Ordering is always total (the id
breaks ties), and the cursor holds the sort key of the last item, so a posting published
while a client pages never makes it see an item twice or skip one.

Published postings are searched in ``market_facts`` (see ``PUBLISHED``) and only the page's
postings are read from ``postings``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.kit.pagination import InvalidCursor
from hireboard.postings.repository import SELECT
from hireboard.reference import normalise_skills

Sort = Literal["relevance", "-published_at", "-pay"]
FACETS = ("level", "workplace_type", "country", "skill")
FACET_SAMPLE = 250
GIN_SAMPLE = 1000


@dataclass
class Query:
    q: str | None = None
    level: list[str] = field(default_factory=list)
    role_family: list[str] = field(default_factory=list)
    skill: list[str] = field(default_factory=list)
    workplace_type: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    remote_from: list[str] = field(default_factory=list)
    pay_min: float | None = None
    currency: str | None = None
    posted_since: date | None = None
    organization: list[uuid.UUID] = field(default_factory=list)
    updated_since: datetime | None = None
    sort: Sort = "-published_at"


@dataclass
class Where:
    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "true"


@dataclass(frozen=True)
class Source:
    """Where a search reads, aliased ``f``; the filter columns have the same names in both."""

    table: str
    id: str
    skills: str
    # Has a pay range in ``:currency``: the postings ``/v1/market/stats`` counts for it.
    currency: str


# The published set: ``market_facts``, kept by trigger and readable by all, so its indexes
# serve every condition. (On ``postings`` row-level security evaluates its policies before
# any operator that is not leakproof, such as ``@@`` and ``&&``, so the text and array
# indexes could not be used there.)
PUBLISHED = Source(
    "market_facts f",
    "f.posting_id",
    "f.skills",
    "EXISTS (SELECT 1 FROM market_pay mp WHERE mp.posting_id = f.posting_id "
    "AND mp.currency = :currency)",
)
# Incremental sync also lists closed and expired postings: ``postings`` itself.
CHANGED = Source(
    "postings f",
    "f.id",
    "(f.required_skills || f.nice_to_have_skills)",
    "f.pay_ranges @> jsonb_build_array(jsonb_build_object('currency', CAST(:currency AS text)))",
)


def source(query: Query) -> Source:
    return CHANGED if query.updated_since is not None else PUBLISHED


def where(query: Query, *, fuzzy: bool = False) -> Where:
    found = Where()
    if query.updated_since is not None:
        # Integrators' incremental sync: closed and expired ones too, so they can drop them.
        found.add(
            "f.status IN ('published', 'closed', 'expired') AND f.updated_at > :updated_since",
            updated_since=query.updated_since,
        )
    if query.q:
        if fuzzy:
            found.add("f.title %> :q", q=query.q)
        else:
            found.add("f.search_vector @@ websearch_to_tsquery('english', :q)", q=query.q)
    for name in ("level", "role_family", "workplace_type"):
        values = getattr(query, name)
        if values:
            found.add(f"f.{name} = ANY(:{name})", **{name: values})
    if query.skill:
        found.add(
            f"{source(query).skills} && CAST(:skills AS text[])",
            skills=normalise_skills(query.skill),
        )
    if query.country:
        found.add("f.countries && CAST(:countries AS text[])", countries=query.country)
    if query.remote_from:
        found.add("f.remote_from && CAST(:remote_from AS text[])", remote_from=query.remote_from)
    if query.pay_min is not None:
        # The annualised figures are those of the first range, so its currency must match.
        found.add(
            "f.pay_currency = :currency AND f.pay_max_annual >= :pay_min",
            currency=query.currency,
            pay_min=query.pay_min,
        )
    elif query.currency is not None:
        found.add(source(query).currency, currency=query.currency)
    if query.posted_since is not None:
        found.add("f.published_at >= :posted_since", posted_since=query.posted_since)
    if query.organization:
        found.add("f.organization_id = ANY(:organizations)", organizations=query.organization)
    return found


@dataclass(frozen=True)
class _Sort:
    """The first sort column; the id always breaks ties, so the order is total."""

    expression: str
    sql_type: str
    id: str
    descending: bool = True

    @property
    def direction(self) -> str:
        return " DESC" if self.descending else ""

    @property
    def order_by(self) -> str:
        return f"{self.expression}{self.direction}, {self.id}{self.direction}"

    @property
    def after_cursor(self) -> str:
        """Rows after the cursor's key (``:k0``, ``:k1``) in this order."""
        op = "<" if self.descending else ">"
        return (
            f"({self.expression}, {self.id}) {op} (CAST(:k0 AS {self.sql_type}), CAST(:k1 AS uuid))"
        )

    @property
    def key(self) -> str:
        """The key a cursor carries, as text."""
        return f"{self.expression}::text, {self.id}::text"


def _sort(query: Query, fuzzy: bool) -> _Sort:
    id_ = source(query).id
    if query.updated_since is not None:
        return _Sort("f.updated_at", "timestamptz", id_, descending=False)
    if query.sort == "relevance" and query.q:
        rank = (
            "word_similarity(:q, f.title)"
            if fuzzy
            else "ts_rank_cd(f.search_vector, websearch_to_tsquery('english', :q))"
        )
        return _Sort(f"round(CAST({rank} AS numeric), 6)", "numeric", id_)
    if query.sort == "-pay":
        return _Sort("coalesce(f.pay_max_annual, -1)", "numeric", id_)
    return _Sort("f.published_at", "timestamptz", id_)


# pg_trgm's default word-similarity threshold (0.6) misses two typos in two words.
FUZZY_THRESHOLD = 0.4


async def tolerate_typos(session: AsyncSession) -> None:
    await session.execute(
        text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
        {"t": str(FUZZY_THRESHOLD)},
    )


@dataclass
class Found:
    rows: list[Row[Any]]
    keys: list[list[str]]
    fuzzy: bool


async def search(
    session: AsyncSession, query: Query, after: list[str] | None, limit: int, *, fuzzy: bool
) -> Found:
    if fuzzy:
        await tolerate_typos(session)
    condition = where(query, fuzzy=fuzzy)
    sort = _sort(query, fuzzy)
    params = dict(condition.params)
    sql = condition.sql
    if after is not None:
        if len(after) != 2:
            raise InvalidCursor()
        params |= {"k0": after[0], "k1": after[1]}
        sql = f"{sql} AND {sort.after_cursor}"
    # The page's ids and sort keys first, then the postings for those few ids.
    hits = (
        f"SELECT {sort.id} AS id, {sort.expression} AS k, ARRAY[{sort.key}] AS sort_key "  # noqa: S608 - fixed SQL fragments, values are parameters
        f"FROM {source(query).table} WHERE {sql} ORDER BY {sort.order_by} LIMIT :limit"
    )
    keyed = SELECT.replace("SELECT ", "SELECT h.sort_key, ", 1)
    result = await session.execute(
        text(
            f"{keyed}JOIN ({hits}) h ON h.id = p.id "
            f"ORDER BY h.k{sort.direction}, h.id{sort.direction}"
        ),
        {**params, "limit": limit + 1},
    )
    rows = list(result.all())
    return Found(rows=rows, keys=[list(r.sort_key) for r in rows], fuzzy=fuzzy)


async def facets(
    session: AsyncSession, query: Query, *, fuzzy: bool, exact_limit: int
) -> dict[str, Any]:
    """Counts per value over the whole result; exact up to ``exact_limit`` matches, then
    estimated from the planner's row count (and marked so)."""
    if fuzzy:
        await tolerate_typos(session)
    condition = where(query, fuzzy=fuzzy)
    table = source(query).table
    planned, estimated = await _size(session, table, condition, exact_limit)
    # Estimated facets come from a small sample scaled to the planner's count: reading
    # thousands of scattered rows would cost more than the search itself. The text, skill
    # and country indexes (GIN) hand back a random subset of about GIN_SAMPLE of their
    # matches (``gin_fuzzy_search_limit``, for this transaction only), so a common term
    # neither builds a bitmap of a hundred thousand rows nor biases the sample to the
    # table's physical order.
    if estimated:
        await session.execute(
            text("SELECT set_config('gin_fuzzy_search_limit', :n, true)"), {"n": str(GIN_SAMPLE)}
        )
    grouped = await _counted(session, query, condition, FACET_SAMPLE if estimated else None)
    if estimated:
        await session.execute(text("SELECT set_config('gin_fuzzy_search_limit', '0', true)"))
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


async def _counted(
    session: AsyncSession, query: Query, condition: Where, sample: int | None
) -> dict[str, list[Any]]:
    """``(facet, value, n)`` rows per facet, over every match or the first ``sample``."""
    found = source(query)
    limit = f" LIMIT {int(sample)}" if sample else ""
    result = await session.execute(
        text(
            "WITH hits AS MATERIALIZED (SELECT f.level, f.workplace_type, f.countries, "  # noqa: S608
            f"{found.skills} AS skills FROM {found.table} WHERE {condition.sql}{limit}) "
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
