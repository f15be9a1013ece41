"""Public search over published postings: full text, filters, facets, stable cursors.

Full text uses ``websearch_to_tsquery`` over the weighted ``search_vector``; when a query
finds nothing, ``spelling.respell`` rewrites its unknown words from the lexicon and the
rewritten query runs the same way. Ordering is always total (the id
breaks ties), and the cursor holds the sort key of the last item, so a posting published
while a client pages never makes it see an item twice or skip one.

Published postings are searched in ``market_facts`` (see ``PUBLISHED``) and only the page's
postings are read from ``postings``.
"""

from __future__ import annotations

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


def where(query: Query) -> Where:
    found = Where()
    if query.updated_since is not None:
        # Integrators' incremental sync: closed and expired ones too, so they can drop them.
        found.add(
            "f.status IN ('published', 'closed', 'expired') AND f.updated_at > :updated_since",
            updated_since=query.updated_since,
        )
    if query.q:
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


def _sort(query: Query) -> _Sort:
    id_ = source(query).id
    if query.updated_since is not None:
        return _Sort("f.updated_at", "timestamptz", id_, descending=False)
    if query.sort == "relevance" and query.q:
        rank = "ts_rank_cd(f.search_vector, websearch_to_tsquery('english', :q))"
        return _Sort(f"round(CAST({rank} AS numeric), 6)", "numeric", id_)
    if query.sort == "-pay":
        return _Sort("coalesce(f.pay_max_annual, -1)", "numeric", id_)
    return _Sort("f.published_at", "timestamptz", id_)


@dataclass
class Found:
    rows: list[Row[Any]]
    keys: list[list[str]]
    # The number of matches when the search counted them all (see ``FEW``), else None.
    matches: int | None = None


# The words of a text query alone are counted first, up to this many, through the text
# index (reading at most this many postings). Fewer: the page is sorted from all of them
# (``fenced``). More: walking the sort order's index meets a page of them soon, and the
# planner's estimates for the other filters are good (they have statistics). The planner
# cannot tell the two apart for a word it has no statistics for (it guesses hundreds of
# matches), and walked the whole published-at index for a word that matches nothing:
# 0.3-0.6 s at 200,000 postings, seconds at a million.
FEW = 1000


def probe_sql(query: Query) -> tuple[str, dict[str, Any]]:
    """Counts the published postings matching the words of ``query`` (and nothing else of
    it) up to ``FEW`` (``:cap``)."""
    condition = where(Query(q=query.q))
    sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM {PUBLISHED.table} "  # noqa: S608 - fixed SQL fragments, values are parameters
        f"WHERE {condition.sql} LIMIT :cap) s"
    )
    return sql, {**condition.params, "cap": FEW}


def hits_sql(
    query: Query, after: list[str] | None, *, fenced: bool = False
) -> tuple[str, dict[str, Any]]:
    """The page's ids and sort keys, without the ``:limit`` parameter. ``fenced``: every
    match is found first (``OFFSET 0`` keeps the planner from walking an index in the
    sort order), then sorted; for results known to be small."""
    condition = where(query)
    sort = _sort(query)
    params = dict(condition.params)
    sql = condition.sql
    if after is not None:
        if len(after) != 2:
            raise InvalidCursor()
        params |= {"k0": after[0], "k1": after[1]}
        sql = f"{sql} AND {sort.after_cursor}"
    table = source(query).table
    rows = f"(SELECT * FROM {table} WHERE {sql} OFFSET 0) f" if fenced else table  # noqa: S608 - fixed SQL fragments
    where_sql = "true" if fenced else sql
    hits = (
        f"SELECT {sort.id} AS id, {sort.expression} AS k, ARRAY[{sort.key}] AS sort_key "  # noqa: S608 - fixed SQL fragments, values are parameters
        f"FROM {rows} WHERE {where_sql} ORDER BY {sort.order_by} LIMIT :limit"
    )
    return hits, params


async def page_sql(
    session: AsyncSession, query: Query, after: list[str] | None
) -> tuple[str, dict[str, Any], int | None] | None:
    """``hits_sql`` as ``search`` runs it, the words of a text query counted first (see
    ``FEW``), and the number of matches when that counted them all; None when the words
    match nothing."""
    if not query.q or source(query) is not PUBLISHED:
        return (*hits_sql(query, after), None)
    probe, probe_params = probe_sql(query)
    matches = int(await session.scalar(text(probe), probe_params) or 0)
    if matches == 0:
        return None
    few = matches < FEW
    counted = few and len(where(query).clauses) == 1  # the words were the whole query
    return (*hits_sql(query, after, fenced=few), matches if counted else None)


async def search(session: AsyncSession, query: Query, after: list[str] | None, limit: int) -> Found:
    sort = _sort(query)
    planned = await page_sql(session, query, after)
    if planned is None:
        return Found(rows=[], keys=[], matches=0)
    # The page's ids and sort keys first, then the postings for those few ids.
    hits, params, matches = planned
    keyed = SELECT.replace("SELECT ", "SELECT h.sort_key, ", 1)
    result = await session.execute(
        text(
            f"{keyed}JOIN ({hits}) h ON h.id = p.id "
            f"ORDER BY h.k{sort.direction}, h.id{sort.direction}"
        ),
        {**params, "limit": limit + 1},
    )
    rows = list(result.all())
    return Found(rows=rows, keys=[list(r.sort_key) for r in rows], matches=matches)
