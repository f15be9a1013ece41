"""Plan guard: the hot public queries, built by the code that runs them, keep their indexes.

The database of 20,000 synthetic postings of ``conftest.synthetic_database`` (the bulk
loader's own path, then VACUUM ANALYZE) and a lexicon of a realistic size, so the planner
chooses with real statistics, not with ``enable_seqscan`` turned off. Each query is
explained as the app's role would run it; the guard fails on a sequential scan of a large
table, or when none of the indexes the query is meant to use appears in the plan. The
last test drops an index inside a transaction and checks that the guard notices.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.context import set_context
from hireboard.db import create_engine
from hireboard.market.summaries import _ONE_ROLE
from hireboard.postings import spelling
from hireboard.postings.repository import SELECT
from hireboard.postings.search import Query, page_sql, probe_sql
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio

# Tables whose sequential scan is always a regression at scale.
LARGE = frozenset({"postings", "market_facts", "market_pay", "search_lexicon"})


@pytest.fixture
async def app_session(synthetic_database: str, tmp_path: Path) -> AsyncIterator[AsyncSession]:
    """As the app's role, anonymous, in a transaction rolled back afterwards."""
    engine = create_engine(make_settings(synthetic_database, tmp_path), synthetic_database)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
            await set_context(session)
            try:
                yield session
            finally:
                await session.close()
                await transaction.rollback()
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Scan:
    node: str
    relation: str | None
    index: str | None


def scans(plan: dict[str, Any]) -> list[Scan]:
    """Every scan node of a plan tree (EXPLAIN's JSON), subplans and init plans included."""
    found = []
    if "Scan" in plan["Node Type"] or "Relation Name" in plan:
        found.append(Scan(plan["Node Type"], plan.get("Relation Name"), plan.get("Index Name")))
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def problems(plan: dict[str, Any], expected: set[str]) -> list[str]:
    """What is wrong with ``plan``: sequential scans of large tables, and none of the
    ``expected`` indexes used (an empty set: only the first check)."""
    found = scans(plan)
    wrong = [
        f"Seq Scan on {s.relation}" for s in found if s.node == "Seq Scan" and s.relation in LARGE
    ]
    used = {s.index for s in found if s.index}
    if expected and not used & expected:
        wrong.append(f"none of {sorted(expected)} used (used: {sorted(used)})")
    return wrong


async def explain(session: AsyncSession, sql: str, params: dict[str, Any]) -> dict[str, Any]:
    document = await session.scalar(text(f"EXPLAIN (FORMAT JSON) {sql}"), params)
    parsed = json.loads(document) if isinstance(document, str) else document
    plan: dict[str, Any] = parsed[0]["Plan"]
    return plan


async def _search_plan(session: AsyncSession, query: Query) -> dict[str, Any]:
    """The page query as ``search`` builds it (a text query's matches counted first)."""
    planned = await page_sql(session, query, None)
    assert planned is not None, "the query should match"
    sql, params, _ = planned
    return await explain(session, sql, {**params, "limit": 21})


TEXT_INDEXES = {"ix_market_facts_search_vector", "ix_market_facts_published"}
SEARCHES = {
    "q": (Query(q="security"), TEXT_INDEXES),
    "q by relevance": (Query(q="security", sort="relevance"), {"ix_market_facts_search_vector"}),
    "q, level and workplace": (
        Query(q="security", level=["senior"], workplace_type=["remote"]),
        TEXT_INDEXES,
    ),
    "q, rare word": (
        Query(q="kubernetes terraform", level=["staff"], sort="relevance"),
        {"ix_market_facts_search_vector"},
    ),
    "skill and country": (
        Query(skill=["Terraform"], country=["DE"]),
        {"ix_market_facts_skills", "ix_market_facts_countries", "ix_market_facts_published"},
    ),
    "first page": (Query(), {"ix_market_facts_published"}),
}


@pytest.mark.parametrize("name", list(SEARCHES))
async def test_search_queries_use_their_indexes(app_session: AsyncSession, name: str) -> None:
    query, expected = SEARCHES[name]
    plan = await _search_plan(app_session, query)
    assert problems(plan, expected) == [], json.dumps(plan, indent=1)
    if query.q:
        probe, params = probe_sql(query)
        assert problems(await explain(app_session, probe, params), set()) == []


async def test_a_word_that_matches_nothing_is_counted_through_the_text_index(
    app_session: AsyncSession,
) -> None:
    """The planner guesses hundreds of matches for an unknown word; the count must still
    ask the text index rather than read every posting."""
    probe, params = probe_sql(Query(q="zzqxjvw"))
    plan = await explain(app_session, probe, params)
    assert problems(plan, {"ix_market_facts_search_vector"}) == []
    assert await page_sql(app_session, Query(q="zzqxjvw"), None) is None


async def test_detail_lexicon_and_stats_use_their_indexes(app_session: AsyncSession) -> None:
    posting_id = await app_session.scalar(text("SELECT posting_id FROM market_facts LIMIT 1"))
    detail = await explain(app_session, SELECT + "WHERE p.id = :id", {"id": posting_id})
    assert problems(detail, {"pk_postings"}) == []
    nearest = await explain(app_session, spelling.NEAREST, {"words": ["secuirty", "enginer"]})
    assert problems(nearest, {"ix_search_lexicon_word_trgm"}) == []
    stats = await explain(
        app_session, _ONE_ROLE.format(currency=""), {"family": "backend-engineer"}
    )
    # Summaries only: no large table read, the pay figures looked up by key.
    assert problems(stats, {"pk_market_pay_quantiles"}) == []


async def test_the_guard_notices_a_dropped_index(app_session: AsyncSession) -> None:
    query, expected = SEARCHES["q by relevance"]
    assert problems(await _search_plan(app_session, query), expected) == []
    await _as_owner(app_session, "DROP INDEX ix_market_facts_search_vector")
    assert problems(await _search_plan(app_session, query), expected) != []
    await _as_owner(app_session, "DROP INDEX ix_search_lexicon_word_trgm")
    nearest = await explain(app_session, spelling.NEAREST, {"words": ["secuirty"]})
    assert problems(nearest, {"ix_search_lexicon_word_trgm"}) == [
        "Seq Scan on search_lexicon",
        "none of ['ix_search_lexicon_word_trgm'] used (used: [])",
    ]


async def _as_owner(session: AsyncSession, statement: str) -> None:
    """Runs ``statement`` as the session user (the owner), then acts as the app again;
    the transaction, rolled back after the test, undoes it."""
    app_role = await session.scalar(text("SELECT current_user"))
    await session.execute(text("SET LOCAL ROLE NONE"))
    await session.execute(text(statement))
    await session.execute(text(f'SET LOCAL ROLE "{app_role}"'))


def test_scans_walks_nested_plans() -> None:
    plan = {
        "Node Type": "Nested Loop",
        "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": "market_facts"},
            {
                "Node Type": "Bitmap Heap Scan",
                "Relation Name": "postings",
                "Plans": [{"Node Type": "Bitmap Index Scan", "Index Name": "pk_postings"}],
            },
        ],
    }
    assert problems(plan, {"pk_postings"}) == ["Seq Scan on market_facts"]
    assert problems(plan, {"ix_other"})[-1].startswith("none of ['ix_other']")
