"""A freshly migrated database per test: bulk loads change schema objects (indexes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hireboard import migrate
from tests.fixtures.database import make_settings

BULK_TABLES = ("postings", "market_facts", "market_pay")


@pytest.fixture
def fresh(empty_database: str, tmp_path: Path) -> Iterator[str]:
    migrate.upgrade(make_settings(empty_database, tmp_path), empty_database)
    yield empty_database


def indexes(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexname",
            (list(BULK_TABLES),),
        ).fetchall()
    return [row[0] for row in rows]


def leftovers(url: str) -> list[str]:
    """Tables an interrupted load would leave behind."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename IN ('seed_postings', 'seed_dropped_indexes')"
        ).fetchall()
    return [row[0] for row in rows]


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - test's own constants
    return int(row[0]) if row else 0
