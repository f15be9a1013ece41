"""A database of synthetic postings large enough for the planner to prefer indexes."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from hireboard import migrate
from hireboard.seed.load import load_synthetic
from tests.fixtures.database import create_database, drop_database, make_settings

POSTINGS = 20_000


@pytest.fixture(scope="session")
def synthetic_database(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = create_database(server_url)
    try:
        migrate.upgrade(make_settings(url, tmp_path_factory.mktemp("plans")), url)
        load_synthetic(url, POSTINGS, batch=5_000)
        _grow_lexicon(url)
        yield url
    finally:
        drop_database(server_url, url)


def _grow_lexicon(url: str) -> None:
    """A real board's titles and skills have tens of thousands of distinct words; the
    synthetic ones a few hundred, which a planner rightly reads whole."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO search_lexicon (word, postings) "
            "SELECT substr(md5(i::text), 1, 4 + i % 8), 1 + i % 50 "
            "FROM generate_series(1, 30000) i ON CONFLICT DO NOTHING"
        )
        conn.execute("VACUUM ANALYZE search_lexicon")
