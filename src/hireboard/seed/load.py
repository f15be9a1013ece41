"""Loading generated postings: row by row for the demo (through the app's own rules), and
in bulk for benchmarks (COPY into a staging table, indexes dropped and rebuilt after)."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.context import set_context
from hireboard.seed.generate import organizations, postings

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


def _sql_value(column: str, value: Any) -> Any:
    return json.dumps(value) if column in _JSON else value


async def load_demo(session: AsyncSession, count: int, seed: int = 7) -> int:
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
    await session.execute(statement, rows)
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
) -> dict[str, float]:
    """Bulk load as the schema owner: COPY into an unlogged staging table, one set-based
    insert with triggers off (search vectors and market facts computed in bulk), indexes
    rebuilt afterwards. Returns timings in seconds."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        orgs = organizations(max(50, count // 500), rng)
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO organizations (id, name, slug, headcount) "
                "VALUES (%(id)s, %(name)s, %(slug)s || '-' || %(suffix)s, %(headcount)s)",
                [o | {"suffix": uuid.uuid4().hex[:6]} for o in orgs],
            )
        saved = _drop_indexes(conn, ("postings", "market_facts", "market_pay"))
        generated = postings(count, [o["id"] for o in orgs], rng, short=True)
        _copy_to_staging(conn, generated, count, batch, progress)
        timings["copy_s"] = time.perf_counter() - started
        mark = time.perf_counter()
        _insert_from_staging(conn)
        timings["insert_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for definition in saved:
            conn.execute(definition)
        timings["index_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        # VACUUM as well as ANALYZE: it sets the visibility map, without which index-only
        # scans (the statistics' percentile lookups) visit the table anyway.
        conn.execute(
            "VACUUM (ANALYZE) postings, market_facts, market_pay, organizations, "
            "market_role_cells, market_role_skills, market_role_orgs, market_pay_buckets, "
            "market_pay_weeks, market_pay_week_medians"
        )
        timings["vacuum_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    return timings


def _copy_to_staging(
    conn: psycopg.Connection[Any],
    rows: Iterable[dict[str, Any]],
    count: int,
    batch: int,
    progress: Callable[[int], None] | None,
) -> None:
    """COPY into an unlogged table shaped like ``postings``, a batch at a time."""
    conn.execute("DROP TABLE IF EXISTS seed_postings")
    conn.execute("CREATE UNLOGGED TABLE seed_postings (LIKE postings INCLUDING DEFAULTS)")
    columns = ", ".join(_POSTING_COLUMNS)
    done = 0
    while done < count:
        with conn.cursor().copy(f"COPY seed_postings ({columns}) FROM STDIN") as copy:
            for row in _take(rows, min(batch, count - done)):
                copy.write_row([_copy_value(c, row[c]) for c in _POSTING_COLUMNS])
                done += 1
        if progress:
            progress(done)


def _insert_from_staging(conn: psycopg.Connection[Any]) -> None:
    """One set-based insert with the row triggers off: search vectors and market facts are
    computed in bulk instead (the market summaries' statement triggers still run, once per
    statement)."""
    columns = ", ".join(_POSTING_COLUMNS)
    conn.execute("ALTER TABLE postings DISABLE TRIGGER USER")
    try:
        conn.execute(
            f"INSERT INTO postings ({columns}, search_vector) SELECT {columns}, "  # noqa: S608
            "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector("
            "'english', array_to_string(required_skills || nice_to_have_skills, ' ')), 'B') "
            "|| setweight(to_tsvector('english', description), 'C') FROM seed_postings"
        )
        conn.execute(
            "INSERT INTO market_facts (posting_id, organization_id, role_family, level, "
            "workplace_type, countries, skills, published_at, title, search_vector, "
            "remote_from, pay_currency, pay_max_annual) SELECT p.id, p.organization_id, "
            "p.role_family, p.level, p.workplace_type, p.countries, p.required_skills || "
            "p.nice_to_have_skills, p.published_at, p.title, p.search_vector, p.remote_from, "
            "p.pay_currency, p.pay_max_annual FROM postings p JOIN seed_postings s "
            "ON s.id = p.id WHERE p.status = 'published'"
        )
        conn.execute(
            "INSERT INTO market_pay (posting_id, role_family, currency, mid_annual, "
            "published_at) SELECT id, role_family, pay_currency, (pay_min_annual + "
            "pay_max_annual) / 2, published_at FROM seed_postings "
            "WHERE status = 'published' AND pay_currency IS NOT NULL"
        )
    finally:
        conn.execute("ALTER TABLE postings ENABLE TRIGGER USER")
    conn.execute("DROP TABLE seed_postings")


def _take(rows: Iterable[dict[str, Any]], n: int) -> Iterable[dict[str, Any]]:
    for index, row in enumerate(rows):
        yield row
        if index + 1 >= n:
            return


def _drop_indexes(conn: psycopg.Connection[Any], tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' secondary indexes; their definitions, to create them again."""
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_index x ON x.indexrelid = c.oid "
        "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT x.indisprimary",
        (list(tables),),
    ).fetchall()
    for name, _ in rows:
        conn.execute(psycopg.sql.SQL("DROP INDEX {}").format(psycopg.sql.Identifier(name)))
    return [definition for _, definition in rows]
