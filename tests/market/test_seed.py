"""Demo data and the synthetic bulk load, on fresh databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hireboard import migrate
from hireboard.cli.serve import _queue_demo
from hireboard.config import Settings
from hireboard.db import Database
from hireboard.seed.load import load_synthetic
from hireboard.seed.tasks import demo
from tests.fixtures.database import make_settings
from tests.market.recount import mismatches, summarised_postings

pytestmark = pytest.mark.anyio


@pytest.fixture
def fresh(empty_database: str, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = make_settings(empty_database, tmp_path)
    migrate.upgrade(settings, empty_database)
    yield empty_database, settings


def _indexes(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN "
            "('postings', 'market_facts', 'market_pay') ORDER BY indexname"
        ).fetchall()
    return [row[0] for row in rows]


def test_synthetic_bulk_load_rebuilds_indexes_and_facts(fresh: tuple[str, Settings]) -> None:
    url, _ = fresh
    before = _indexes(url)
    seen: list[int] = []
    timings = load_synthetic(url, 2500, batch=1000, progress=seen.append)
    assert seen == [1000, 2000, 2500]
    assert timings["total_s"] > 0
    assert _indexes(url) == before
    with psycopg.connect(url) as conn:
        total, published, empty_vectors = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'published'), "
            "count(*) FILTER (WHERE search_vector = ''::tsvector) FROM postings"
        ).fetchone() or (0, 0, 0)
        facts = conn.execute("SELECT count(*) FROM market_facts").fetchone()
        pay = conn.execute("SELECT count(*) FROM market_pay").fetchone()
        triggers = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'postings'::regclass "
            "AND NOT tgisinternal AND tgenabled = 'O'"
        ).fetchone()
        currencies = conn.execute("SELECT count(DISTINCT currency) FROM market_pay").fetchone()
        assert mismatches(conn) == {}
        assert summarised_postings(conn) == published
    assert total == 2500 and empty_vectors == 0
    assert facts == (published,) and pay == (published,)
    assert triggers == (2,)  # search vector and market facts, enabled again
    assert currencies is not None and currencies[0] >= 5


async def test_demo_loads_once_in_the_background(fresh: tuple[str, Settings]) -> None:
    url, settings = fresh
    assert await _queue_demo(settings) is True
    assert await _queue_demo(settings) is False  # already queued
    database = Database.connect(settings, url)
    try:
        async with database.write_sessions() as session, session.begin():
            await demo(session, postings=300)
        async with database.write_sessions() as session, session.begin():
            await demo(session, postings=300)  # organizations exist: nothing happens
    finally:
        await database.dispose()
    with psycopg.connect(url) as conn:
        postings = conn.execute("SELECT count(*) FROM postings").fetchone()
        levels = conn.execute("SELECT count(DISTINCT level) FROM market_facts").fetchone()
        assert mismatches(conn) == {}
    assert postings == (300,)
    assert levels is not None and levels[0] >= 5
