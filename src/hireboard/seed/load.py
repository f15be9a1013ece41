"""Loading generated postings: row by row for the demo (through the app's own rules), and
in bulk for benchmarks (COPY into a staging table, indexes dropped and rebuilt after)."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.context import set_context
from hireboard.seed.generate import organizations, postings
from hireboard.seed.indexes import (
    LOAD_LOCK_KEY,
    STAGING,
    drop_indexes,
    restore_indexes,
)

logger = logging.getLogger("hireboard.seed")

_POSTING_COLUMNS = [
    "id",
    "organization_id",
    "status",
    "title",
    "role_family",
    "level",
    "employment_type",
    "workplace_type",
    "remote_from",
    "locations",
    "countries",
    "description",
    "required_skills",
    "nice_to_have_skills",
    "years_experience",
    "benefits",
    "closes_at",
    "pay_ranges",
    "pay_currency",
    "pay_min_annual",
    "pay_max_annual",
    "published_at",
    "closed_at",
    "created_at",
    "updated_at",
]
_JSON = {"locations", "pay_ranges"}
_BULK_TABLES = ("postings", "market_facts", "market_pay")


def _sql_value(column: str, value: Any) -> Any:
    return json.dumps(value) if column in _JSON else value


_DEMO_BATCH = 500


async def load_demo(
    session: AsyncSession,
    count: int,
    seed: int = 7,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """A demo set through ordinary inserts (triggers keep search and statistics current),
    acting as the board operator. Returns the number of postings."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    await set_context(session, platform_admin=True)
    orgs = organizations(max(10, count // 75), rng)
    await session.execute(
        text(
            "INSERT INTO organizations (id, name, slug, headcount, description) "
            "VALUES (:id, :name, :slug, :headcount, 'A demo employer.')"
        ),
        orgs,
    )
    placeholders = ", ".join(
        f"CAST(:{c} AS jsonb)" if c in _JSON else f":{c}" for c in _POSTING_COLUMNS
    )
    statement = text(
        f"INSERT INTO postings ({', '.join(_POSTING_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    )
    rows = [
        {c: _sql_value(c, row[c]) for c in _POSTING_COLUMNS}
        for row in postings(count, [o["id"] for o in orgs], rng, short=False)
    ]
    for start in range(0, len(rows), _DEMO_BATCH):
        await session.execute(statement, rows[start : start + _DEMO_BATCH])
        progress(min(start + _DEMO_BATCH, len(rows)))
    return len(rows)


def _copy_value(column: str, value: Any) -> Any:
    if column in _JSON:
        return json.dumps(value)
    return value


def load_synthetic(
    owner_url: str,
    count: int,
    *,
    seed: int = 11,
    batch: int = 20_000,
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str], None] = lambda name: None,
    bypass_row_triggers: bool = True,
) -> dict[str, float]:
    """Bulk load as the schema owner: COPY into an unlogged staging table, one transaction
    that inserts everything (row triggers off in this session only, search vectors and
    market facts computed in bulk), indexes rebuilt afterwards even when interrupted.
    Organization and posting ids are fresh on every run; the seed fixes the content.
    Returns timings in seconds."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(owner_url, autocommit=True, application_name="hireboard-seed") as conn:
        # One load at a time; a repair on start leaves a running load's indexes alone.
        conn.execute("SELECT pg_advisory_lock(%s)", (LOAD_LOCK_KEY,))
        conn.execute("SET maintenance_work_mem = '512MB'")
        if leftover := restore_indexes(conn):
            logger.warning("recreated %d indexes an interrupted load had dropped", len(leftover))
        orgs = organizations(max(50, count // 500), rng)
        generated = postings(count, [o["id"] for o in orgs], rng, short=True)
        drop_indexes(conn, _BULK_TABLES)
        try:
            _copy_to_staging(conn, generated, count, batch, progress)
            timings["copy_s"] = time.perf_counter() - started
            mark = time.perf_counter()
            phase("inserting postings and market facts")
            _insert_from_staging(conn, orgs, bypass_row_triggers=bypass_row_triggers)
            timings["insert_s"] = time.perf_counter() - mark
        finally:
            mark = time.perf_counter()
            phase("rebuilding indexes")
            _restore(conn, owner_url)
            timings["index_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        phase("counting the search lexicon")
        # The load's trigger added the new words; existing words' counts are made exact.
        conn.execute("SELECT search_lexicon_refresh()")
        timings["lexicon_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        phase("vacuum and analyze")
        # VACUUM as well as ANALYZE: it sets the visibility map, without which index-only
        # scans (the statistics' percentile lookups) visit the table anyway.
        conn.execute(
            "VACUUM (ANALYZE) postings, market_facts, market_pay, organizations, "
            "market_role_cells, market_role_skills, market_role_orgs, market_pay_buckets, "
            "market_pay_weeks, market_pay_week_medians, search_lexicon"
        )
        timings["vacuum_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    return timings


def _restore(conn: psycopg.Connection[Any], owner_url: str) -> None:
    """Indexes back, staging gone: on this connection, or on a new one if an interruption
    broke it (closing it also ends its advisory lock, which the new one then needs)."""
    if not conn.broken:
        restore_indexes(conn)
        return
    conn.close()
    with psycopg.connect(owner_url, autocommit=True) as fresh:
        fresh.execute("SELECT pg_advisory_lock(%s)", (LOAD_LOCK_KEY,))
        restore_indexes(fresh)


def _copy_to_staging(
    conn: psycopg.Connection[Any],
    rows: Iterable[dict[str, Any]],
    count: int,
    batch: int,
    progress: Callable[[int], None] | None,
) -> None:
    """COPY into an unlogged table shaped like ``postings``, a batch at a time."""
    conn.execute(f"DROP TABLE IF EXISTS {STAGING}")
    conn.execute(f"CREATE UNLOGGED TABLE {STAGING} (LIKE postings INCLUDING DEFAULTS)")
    columns = ", ".join(_POSTING_COLUMNS)
    done = 0
    while done < count:
        with conn.cursor().copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
            for row in _take(rows, min(batch, count - done)):
                copy.write_row([_copy_value(c, row[c]) for c in _POSTING_COLUMNS])
                done += 1
        if progress:
            progress(done)


def _insert_from_staging(
    conn: psycopg.Connection[Any], orgs: list[dict[str, Any]], *, bypass_row_triggers: bool
) -> None:
    """Organizations and postings in one transaction, so an interruption adds nothing.

    Row triggers are off for this session's postings insert only
    (``session_replication_role``): other sessions, such as the API publishing a posting
    meanwhile, keep theirs. Search vectors and market facts are then computed in bulk, with
    the role back to normal so the summaries' statement triggers run. Without the right to
    change the role (it needs a superuser, or a GRANT SET ON PARAMETER) the row triggers do
    the work: slower, equally right."""
    with conn.transaction():
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO organizations (id, name, slug, headcount) "
                "VALUES (%(id)s, %(name)s, %(slug)s, %(headcount)s)",
                orgs,
            )
        if bypass_row_triggers and _bypass_row_triggers(conn):
            conn.execute(_INSERT_POSTINGS)
            conn.execute("SET LOCAL session_replication_role = origin")
            conn.execute(_INSERT_FACTS)
            conn.execute(_INSERT_PAY)
        else:
            logger.warning("bulk load with row triggers on (slower): replica role not used")
            conn.execute(_INSERT_POSTINGS)


def _bypass_row_triggers(conn: psycopg.Connection[Any]) -> bool:
    """Turn this transaction's triggers off; False when the role may not."""
    try:
        with conn.transaction():  # a savepoint: a refusal leaves the load's transaction usable
            conn.execute("SET LOCAL session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


_INSERT_POSTINGS = (
    f"INSERT INTO postings ({', '.join(_POSTING_COLUMNS)}, search_vector) "  # noqa: S608 - constant names
    f"SELECT {', '.join(_POSTING_COLUMNS)}, "
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector("
    "'english', array_to_string(required_skills || nice_to_have_skills, ' ')), 'B') "
    f"|| setweight(to_tsvector('english', description), 'C') FROM {STAGING}"
)
_INSERT_FACTS = (
    "INSERT INTO market_facts (posting_id, organization_id, role_family, level, "  # noqa: S608 - constant names
    "workplace_type, countries, skills, published_at, title, search_vector, "
    "remote_from, pay_currency, pay_max_annual) SELECT p.id, p.organization_id, "
    "p.role_family, p.level, p.workplace_type, p.countries, p.required_skills || "
    "p.nice_to_have_skills, p.published_at, p.title, p.search_vector, p.remote_from, "
    f"p.pay_currency, p.pay_max_annual FROM postings p JOIN {STAGING} s "
    "ON s.id = p.id WHERE p.status = 'published'"
)
_INSERT_PAY = (
    "INSERT INTO market_pay (posting_id, role_family, currency, mid_annual, "  # noqa: S608 - constant names
    "published_at) SELECT id, role_family, pay_currency, (pay_min_annual + "
    f"pay_max_annual) / 2, published_at FROM {STAGING} "
    "WHERE status = 'published' AND pay_currency IS NOT NULL"
)


def _take(rows: Iterable[dict[str, Any]], n: int) -> Iterable[dict[str, Any]]:
    for index, row in enumerate(rows):
        yield row
        if index + 1 >= n:
            return
