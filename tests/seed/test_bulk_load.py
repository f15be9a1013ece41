"""``seed synthetic``'s bulk load on a live database: other sessions keep their triggers,
an interruption loses no index, and a second run adds data."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from hireboard.seed import load
from hireboard.seed.generate import organizations, postings
from hireboard.seed.indexes import LOAD_LOCK_KEY, drop_indexes, repair_interrupted_load
from hireboard.seed.load import _POSTING_COLUMNS, _copy_value, load_synthetic
from tests.market.recount import mismatches
from tests.seed.conftest import BULK_TABLES, count, indexes, leftovers


def _draft_posting(url: str) -> uuid.UUID:
    rng = random.Random(3)  # noqa: S311 - test data
    org = organizations(1, rng)[0]
    row = next(iter(postings(1, [org["id"]], rng, short=True)))
    row |= {"status": "draft", "published_at": None, "closed_at": None}
    placeholders = ", ".join(["%s"] * len(_POSTING_COLUMNS))
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO organizations (id, name, slug, headcount) VALUES (%s, %s, %s, %s)",
            (org["id"], org["name"], org["slug"], org["headcount"]),
        )
        conn.execute(
            f"INSERT INTO postings ({', '.join(_POSTING_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608 - constant column names
            [_copy_value(c, row[c]) for c in _POSTING_COLUMNS],
        )
    return uuid.UUID(str(row["id"]))


def _wait_for_blocked_insert(url: str) -> None:
    """Until the loader's INSERT ... FROM seed_postings waits on the test's table lock."""
    deadline = time.monotonic() + 20
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO postings%'"
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the load never reached its insert")


def test_a_posting_published_during_the_load_keeps_its_market_facts(fresh: str) -> None:
    draft = _draft_posting(fresh)
    gate = psycopg.connect(fresh)  # holds the staging table while the loader inserts
    publisher = threading.Thread(target=_publish_while_blocked, args=(fresh, draft, gate))

    def hold_staging(done: int) -> None:
        if done == 300:
            gate.execute("LOCK TABLE seed_postings IN ACCESS EXCLUSIVE MODE")
            publisher.start()

    try:
        load_synthetic(fresh, 300, batch=100, progress=hold_staging)
    finally:
        publisher.join(timeout=30)
        gate.close()
    with psycopg.connect(fresh) as conn:
        fact = conn.execute(
            "SELECT search_vector <> ''::tsvector FROM market_facts WHERE posting_id = %s",
            (draft,),
        ).fetchone()
        assert mismatches(conn) == {}
    assert fact == (True,)  # found by search
    assert count(fresh, "market_facts") == count(fresh, "postings WHERE status = 'published'")


def _publish_while_blocked(url: str, posting_id: uuid.UUID, gate: psycopg.Connection) -> None:
    try:
        _wait_for_blocked_insert(url)
        with psycopg.connect(url) as conn:
            conn.execute(
                "UPDATE postings SET status = 'published', published_at = now() WHERE id = %s",
                (posting_id,),
            )
    finally:
        gate.commit()  # the loader goes on


def _interrupted_after(rows: int) -> Callable[..., Iterator[dict[str, Any]]]:
    def generate(*args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for index, row in enumerate(postings(*args, **kwargs)):
            if index == rows:
                raise KeyboardInterrupt  # Ctrl-C with a COPY in flight
            yield row

    return generate


def _interrupt(done: int) -> None:
    raise KeyboardInterrupt  # Ctrl-C between two COPY batches


@pytest.mark.parametrize("where", ["between batches", "inside a batch"])
def test_an_interrupted_copy_leaves_every_index_and_no_staging_table(
    fresh: str, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = indexes(fresh)
    progress = _interrupt if where == "between batches" else None
    if where == "inside a batch":
        monkeypatch.setattr(load, "postings", _interrupted_after(150))
    with pytest.raises(KeyboardInterrupt):
        load.load_synthetic(fresh, 500, batch=100, progress=progress)
    assert indexes(fresh) == before
    assert leftovers(fresh) == []
    assert count(fresh, "postings") == 0
    assert count(fresh, "organizations") == 0


def test_an_interrupted_insert_adds_nothing(fresh: str) -> None:
    before = indexes(fresh)
    with psycopg.connect(fresh, autocommit=True) as conn:
        # The market facts insert fails after the postings insert went through.
        conn.execute("ALTER TABLE market_facts ADD CONSTRAINT no_rows CHECK (false) NOT VALID")
    with pytest.raises(psycopg.errors.CheckViolation):
        load_synthetic(fresh, 200, batch=100)
    assert (count(fresh, "postings"), count(fresh, "organizations")) == (0, 0)
    assert indexes(fresh) == before
    assert leftovers(fresh) == []


def test_what_a_killed_load_left_is_repaired_on_the_next_start(fresh: str) -> None:
    before = indexes(fresh)
    with psycopg.connect(fresh, autocommit=True) as conn:
        drop_indexes(conn, BULK_TABLES)  # what a load does before its copy, then dies
        conn.execute("CREATE TABLE seed_postings (LIKE postings)")
    dropped = len(before) - len(indexes(fresh))
    assert dropped > 0

    repaired = repair_interrupted_load(fresh)

    assert indexes(fresh) == before
    assert len(repaired) == dropped
    assert leftovers(fresh) == []
    assert repair_interrupted_load(fresh) == []  # nothing left to do


def test_a_running_load_is_not_repaired_under_it(fresh: str) -> None:
    before = indexes(fresh)
    with psycopg.connect(fresh, autocommit=True) as running:
        running.execute("SELECT pg_advisory_lock(%s)", (LOAD_LOCK_KEY,))
        drop_indexes(running, BULK_TABLES)
        assert repair_interrupted_load(fresh) == []
        assert len(indexes(fresh)) < len(before)
    # The load's session ended (as when its process is killed): now it is repaired.
    assert repair_interrupted_load(fresh) != []
    assert indexes(fresh) == before


def test_the_same_seed_twice_adds_fresh_data(fresh: str) -> None:
    load_synthetic(fresh, 200, batch=100)
    load_synthetic(fresh, 200, batch=100)
    assert count(fresh, "postings") == 400
    assert count(fresh, "organizations") == 100  # at least 50 a load
    with psycopg.connect(fresh) as conn:
        assert mismatches(conn) == {}


def test_without_the_replica_role_the_row_triggers_keep_the_summaries(fresh: str) -> None:
    load_synthetic(fresh, 300, batch=100, bypass_row_triggers=False)
    published = count(fresh, "postings WHERE status = 'published'")
    assert published > 0
    assert count(fresh, "market_facts") == published
    assert count(fresh, "postings WHERE search_vector = ''::tsvector") == 0
    with psycopg.connect(fresh) as conn:
        assert mismatches(conn) == {}
