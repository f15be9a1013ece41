"""Every market summary compared with a recount of the facts it summarises."""

from __future__ import annotations

from typing import Any

import psycopg

# (summary table and its key, the same key and count recounted from the facts)
RECOUNTS = {
    "market_role_cells": (
        "role_family, level, workplace_type, week",
        "SELECT role_family, level, workplace_type, market_week(published_at), count(*) "
        "FROM market_facts GROUP BY 1, 2, 3, 4",
    ),
    "market_role_skills": (
        "role_family, skill",
        "SELECT role_family, s, count(*) FROM market_facts, unnest(skills) s GROUP BY 1, 2",
    ),
    "market_role_orgs": (
        "role_family, organization_id",
        "SELECT role_family, organization_id, count(*) FROM market_facts GROUP BY 1, 2",
    ),
    "market_pay_buckets": (
        "role_family, currency, bucket",
        "SELECT role_family, currency, bucket, count(*) FROM market_pay GROUP BY 1, 2, 3",
    ),
    "market_pay_quantiles": (
        "role_family, currency, figures",
        "SELECT role_family, currency, percentile_cont(ARRAY[0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) "
        "WITHIN GROUP (ORDER BY mid_annual), count(*) FROM market_pay GROUP BY 1, 2",
    ),
    "market_pay_week_medians": (
        "role_family, currency, week, median",
        "SELECT role_family, currency, week, percentile_cont(0.5) WITHIN GROUP "
        "(ORDER BY mid_annual), count(*) FROM market_pay GROUP BY 1, 2, 3",
    ),
    "market_pay_weeks": (
        "role_family, currency, week, coarse_bucket",
        "SELECT role_family, currency, week, coarse_bucket, count(*) FROM market_pay "
        "GROUP BY 1, 2, 3, 4",
    ),
}


def mismatches(conn: psycopg.Connection[Any]) -> dict[str, list[Any]]:
    """Rows where a summary and its recount differ, both ways; empty when all agree."""
    found: dict[str, list[Any]] = {}
    for table, (key, recount) in RECOUNTS.items():
        kept = f"SELECT {key}, n FROM {table} WHERE n <> 0"  # noqa: S608 - fixed names
        rows = conn.execute(
            f"({kept} EXCEPT {recount}) UNION ALL ({recount} EXCEPT {kept})"
        ).fetchall()
        if rows:
            found[table] = rows
    return found


def summarised_postings(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT coalesce(sum(n), 0) FROM market_role_cells").fetchone()
    assert row is not None
    return int(row[0])
