"""The bulk load's dropped indexes, journalled so that no interruption loses them.

Before the load drops a secondary index it writes the index's definition to the
``seed_dropped_indexes`` table, in the same transaction as the drop. Whoever finds that
table later (the load's own ``finally``, the next load, ``serve`` or ``db upgrade``)
recreates what is missing and drops the journal and the ``seed_postings`` staging table.
A session-level advisory lock marks a load in progress, so a repair never pulls the
indexes back under a load that is still running.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg import sql

logger = logging.getLogger("hireboard.seed")

JOURNAL = "seed_dropped_indexes"
STAGING = "seed_postings"
# pg_advisory_lock key held by a running bulk load ("hireboard seed" in ASCII, 7 bytes).
LOAD_LOCK_KEY = 0x68697265_626F61


def drop_indexes(conn: psycopg.Connection[Any], tables: tuple[str, ...]) -> None:
    """Journal, then drop, the tables' secondary indexes (one transaction: all or none)."""
    with conn.transaction():
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {JOURNAL} "
            "(name text PRIMARY KEY, definition text NOT NULL)"
        )
        rows = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT x.indisprimary",
            (list(tables),),
        ).fetchall()
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {JOURNAL} (name, definition) VALUES (%s, %s) "  # noqa: S608 - constant name
                "ON CONFLICT (name) DO NOTHING",
                rows,
            )
        for name, _ in rows:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))


def restore_indexes(conn: psycopg.Connection[Any]) -> list[str]:
    """Recreate every journalled index that is missing, then drop the journal and the
    staging table. Returns the names recreated. Safe to run again if interrupted: an index
    leaves the journal only once it exists."""
    recreated: list[str] = []
    if _exists(conn, JOURNAL):
        journal = conn.execute(f"SELECT name, definition FROM {JOURNAL}").fetchall()  # noqa: S608 - constant name
        for name, definition in journal:
            if not _exists(conn, name):
                conn.execute(definition)
                recreated.append(name)
            conn.execute(f"DELETE FROM {JOURNAL} WHERE name = %s", (name,))  # noqa: S608 - constant name
        conn.execute(f"DROP TABLE {JOURNAL}")
    conn.execute(f"DROP TABLE IF EXISTS {STAGING}")
    return recreated


def repair_interrupted_load(owner_url: str) -> list[str]:
    """On start: undo what an interrupted bulk load left behind (dropped indexes, staging
    table) unless a load is running right now. Returns the index names recreated."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        if not (_exists(conn, JOURNAL) or _exists(conn, STAGING)):
            return []
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOAD_LOCK_KEY,)).fetchone()
        if not (row and row[0]):
            logger.info("a bulk load is running: its dropped indexes are left to it")
            return []
        recreated = restore_indexes(conn)
    logger.warning(
        "repaired an interrupted bulk load: recreated %d indexes, dropped its staging table",
        len(recreated),
        extra={"indexes": recreated},
    )
    return recreated


def _exists(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"public.{name}",)).fetchone()
    return bool(row and row[0])
