"""Statistics for role families (or the whole board) from the trigger-kept summaries.

The summary tables (migration ``0020_market_summaries``) count published postings per role
family and level, workplace type, week, skill and organization, and pay midpoints per role
family, currency and 2 %-wide bucket or week. Counts are sums over a few hundred rows.
For one role family the trigger also keeps the pay figures and weekly medians themselves,
and everything is read in one statement (``_one_role``). For several role families
percentiles are exact too: the rank of each one (as PostgreSQL's ``percentile_cont`` needs it:
the two ranks around ``fraction * (n - 1)``) is located in the bucket counts, and the value
at that rank is read from the handful of ``market_pay`` rows of that bucket through an
index. Read sessions are one repeatable-read snapshot, so counts and rows agree.

Filters other than role family and currency (and a currency conversion) need the posting
rows themselves; ``service`` computes those from ``market_facts`` instead.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# min and max are the ranks at fractions 0 and 1.
FRACTIONS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def interpolate(values: dict[int, float], n: int, fraction: float) -> float:
    """``percentile_cont``: linear interpolation between the two ranks around the position."""
    position = fraction * (n - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


class RoleScope:
    """The role families a statistic covers: one, several, or all (no filter)."""

    def __init__(self, families: tuple[str, ...]) -> None:
        self.params: dict[str, Any] = {}
        if len(families) == 1:
            self.clause = "role_family = :family"
            self.params["family"] = families[0]
        elif families:
            self.clause = "role_family = ANY(:families)"
            self.params["families"] = list(families)
        else:
            self.clause = "true"

    def on(self, alias: str) -> str:
        return self.clause.replace("role_family", f"{alias}.role_family")


_COUNTS = (
    "SELECT level, workplace_type, week, sum(n) AS n FROM market_role_cells WHERE {scope} "
    "GROUP BY GROUPING SETS ((level), (workplace_type), (week)) HAVING sum(n) > 0"
)


def _fold_counts(rows: Any) -> dict[str, Any]:
    """Grouping-set rows ``(level, workplace_type, week, n)``: one of the three is set."""
    levels: dict[str, int] = {}
    places: dict[str, int] = {}
    weeks: dict[date, int] = {}
    for level, place, week, n in rows:
        if level is not None:
            levels[level] = int(n)
        elif place is not None:
            places[place] = int(n)
        else:
            weeks[date.fromisoformat(week) if isinstance(week, str) else week] = int(n)
    return {
        "total": sum(levels.values()),
        "remote": places.get("remote", 0),
        "levels": sorted(levels.items()),
        "weeks": {week_label(monday): n for monday, n in sorted(weeks.items())},
    }


async def counts(session: AsyncSession, scope: RoleScope) -> dict[str, Any]:
    """Open positions in total, per level, remote, and per week (a few dozen rows)."""
    rows = await session.execute(text(_COUNTS.format(scope=scope.clause)), scope.params)
    return _fold_counts(rows)


_SKILLS = (
    "SELECT skill AS value, sum(n) AS n FROM market_role_skills WHERE {scope} "
    "GROUP BY skill HAVING sum(n) > 0 ORDER BY n DESC, skill LIMIT 10"
)


async def top_skills(session: AsyncSession, scope: RoleScope) -> list[dict[str, Any]]:
    rows = await session.execute(text(_SKILLS.format(scope=scope.clause)), scope.params)
    return [{"value": r.value, "count": int(r.n)} for r in rows]


async def top_organizations(session: AsyncSession, scope: RoleScope) -> list[dict[str, Any]]:
    """The ten with the most postings, ties by name. Names are joined only for the
    organizations at or above the tenth count."""
    rows = await session.execute(
        text(
            "WITH s AS MATERIALIZED (SELECT organization_id, sum(n) AS n "  # noqa: S608
            f"FROM market_role_orgs WHERE {scope.clause} GROUP BY 1 HAVING sum(n) > 0), "
            "cut AS (SELECT coalesce(min(n), 0) AS n FROM "
            "(SELECT n FROM s ORDER BY n DESC LIMIT 10) ten) "
            "SELECT o.id, o.name, s.n FROM s JOIN cut ON s.n >= cut.n "
            "JOIN organizations o ON o.id = s.organization_id ORDER BY s.n DESC, o.name LIMIT 10"
        ),
        scope.params,
    )
    return [{"id": str(r.id), "name": r.name, "count": int(r.n)} for r in rows]


def _ranks(n: int, fractions: tuple[float, ...]) -> list[int]:
    """The ranks ``percentile_cont`` reads for each fraction (0-based, ascending)."""
    return sorted({r for f in fractions for r in (math.floor(f * (n - 1)), math.ceil(f * (n - 1)))})


def _locate(buckets: list[tuple[int, int]], ranks: list[int]) -> list[tuple[int, int, int]]:
    """``(rank, bucket, rows to skip in the bucket)`` for ascending ranks, buckets ascending."""
    found = []
    before, index = 0, 0
    for bucket, n in buckets:
        while index < len(ranks) and ranks[index] < before + n:
            found.append((ranks[index], bucket, ranks[index] - before))
            index += 1
        before += n
    return found


class _Lookups:
    """Values at ranks of groups of ``market_pay``, read in one statement."""

    def __init__(self) -> None:
        self.keys: list[tuple[Any, int]] = []
        self.currencies: list[str] = []
        self.weeks: list[date | None] = []
        self.buckets: list[int] = []
        self.skips: list[int] = []

    def add(
        self,
        group: Any,
        currency: str,
        week: date | None,
        buckets: list[tuple[int, int]],
        ranks: list[int],
    ) -> None:
        for rank, bucket, skip in _locate(buckets, ranks):
            self.keys.append((group, rank))
            self.currencies.append(currency)
            self.weeks.append(week)
            self.buckets.append(bucket)
            self.skips.append(skip)

    async def read(
        self, session: AsyncSession, scope: RoleScope, *, weekly: bool
    ) -> dict[Any, dict[int, float]]:
        where = (
            "p.week = t.week AND p.coarse_bucket = t.bucket" if weekly else "p.bucket = t.bucket"
        )
        rows = await session.execute(
            text(
                "SELECT t.i, v.mid_annual FROM unnest(CAST(:currencies AS text[]), "  # noqa: S608
                "CAST(:weeks AS date[]), CAST(:buckets AS integer[]), CAST(:skips AS integer[])) "
                "WITH ORDINALITY AS t(currency, week, bucket, skip, i) CROSS JOIN LATERAL ("
                f"SELECT p.mid_annual FROM market_pay p WHERE {scope.on('p')} "
                f"AND p.currency = t.currency AND {where} "
                "ORDER BY p.mid_annual OFFSET t.skip LIMIT 1) v"
            ),
            {
                **scope.params,
                "currencies": self.currencies,
                "weeks": self.weeks,
                "buckets": self.buckets,
                "skips": self.skips,
            },
        )
        values: dict[Any, dict[int, float]] = defaultdict(dict)
        for row in rows:
            group, rank = self.keys[row.i - 1]
            values[group][rank] = float(row.mid_annual)
        return values


Group = tuple[date | None, str]  # (week or None for all weeks, currency)


async def _at_ranks(
    session: AsyncSession,
    scope: RoleScope,
    currency: str | None,
    *,
    weekly: bool,
    fractions: tuple[float, ...],
) -> dict[Group, tuple[int, dict[int, float]]]:
    """Per currency (and week when ``weekly``): ``(n, {rank: value})`` for the ranks the
    fractions need. The read session is one snapshot (repeatable read), so the bucket counts
    and the rows they count agree."""
    table, week = ("market_pay_weeks", "week") if weekly else ("market_pay_buckets", "NULL")
    bucket = "coarse_bucket" if weekly else "bucket"
    only = " AND currency = :currency" if currency else ""
    # One row per group with its buckets as arrays: a few rows instead of thousands. The
    # inner order is the summary's key order, so the rows arrive sorted from its index.
    rows = await session.execute(
        text(
            "SELECT currency, week, array_agg(bucket ORDER BY bucket) AS buckets, "  # noqa: S608
            "array_agg(n ORDER BY bucket) AS counts FROM ("
            f"SELECT currency, {week} AS week, {bucket} AS bucket, sum(n) AS n "
            f"FROM {table} WHERE {scope.clause}{only} "
            "GROUP BY 1, 2, 3 HAVING sum(n) > 0 ORDER BY 1, 2, 3) s GROUP BY 1, 2"
        ),
        {**scope.params, "currency": currency},
    )
    groups: dict[Group, list[tuple[int, int]]] = {
        (row.week, row.currency): list(zip(row.buckets, map(int, row.counts), strict=True))
        for row in rows
    }
    lookups = _Lookups()
    totals = {group: sum(n for _, n in buckets) for group, buckets in groups.items()}
    for group, buckets in groups.items():
        lookups.add(group, group[1], group[0], buckets, _ranks(totals[group], fractions))
    values = await lookups.read(session, scope, weekly=weekly)
    ordered = sorted(groups, key=lambda group: (group[0] or date.min, group[1]))
    return {group: (totals[group], values[group]) for group in ordered}


async def pay_quantiles(
    session: AsyncSession, scope: RoleScope, currency: str | None
) -> list[tuple[str, int, list[float]]]:
    """Per currency: ``(currency, n, figures)``, the figures at ``FRACTIONS``."""
    found = await _at_ranks(session, scope, currency, weekly=False, fractions=FRACTIONS)
    return [
        (code, n, [interpolate(values, n, f) for f in FRACTIONS])
        for (_, code), (n, values) in found.items()
    ]


async def weekly_medians(
    session: AsyncSession, scope: RoleScope, currency: str | None
) -> list[tuple[str, str, int, float]]:
    """``(week, currency, n, median)`` per week and currency, weeks in order."""
    found = await _at_ranks(session, scope, currency, weekly=True, fractions=(0.5,))
    return [
        (week_label(week), code, n, interpolate(values, n, 0.5))
        for (week, code), (n, values) in found.items()
        if week is not None
    ]


@dataclass
class Snapshot:
    counts: dict[str, Any]
    pay: list[tuple[str, int, list[float]]]  # (currency, n, figures at FRACTIONS)
    weekly: list[tuple[str, str, int, float]]  # (week, currency, n, median)
    skills: list[dict[str, Any]]
    organizations: list[dict[str, Any]]


async def snapshot(
    session: AsyncSession, families: tuple[str, ...], currency: str | None
) -> Snapshot:
    """Everything the statistics need for these role families (all when empty)."""
    if len(families) == 1:
        return await _one_role(session, families[0], currency)
    scope = RoleScope(families)
    return Snapshot(
        counts=await counts(session, scope),
        pay=await pay_quantiles(session, scope, currency),
        weekly=await weekly_medians(session, scope, currency),
        skills=await top_skills(session, scope),
        organizations=await top_organizations(session, scope),
    )


# One role family: the figures the trigger keeps, in one statement (one round trip).
_ONE_ROLE = (
    "SELECT (SELECT json_agg(json_build_array(level, workplace_type, week, n)) FROM ("  # noqa: S608
    + _COUNTS.format(scope="role_family = :family")
    + ") c) AS counts, "
    "(SELECT json_agg(json_build_array(value, n) ORDER BY n DESC, value) FROM ("
    + _SKILLS.format(scope="role_family = :family")
    + ") s) AS skills, "
    # One row per organization, and an index on (role family, n) for the tenth count.
    "(SELECT json_agg(json_build_array(id, name, n) ORDER BY n DESC, name) FROM ("
    "SELECT o.id, o.name, s.n "
    "FROM market_role_orgs s JOIN organizations o ON o.id = s.organization_id "
    "WHERE s.role_family = :family AND s.n > 0 AND s.n >= coalesce(("
    "SELECT n FROM market_role_orgs WHERE role_family = :family "
    "ORDER BY n DESC OFFSET 9 LIMIT 1), 1) ORDER BY s.n DESC, o.name LIMIT 10) o) "
    "AS organizations, "
    "(SELECT json_agg(json_build_array(currency, n, figures)) FROM market_pay_quantiles "
    "WHERE role_family = :family AND n > 0 {currency}) AS pay, "
    "(SELECT json_agg(json_build_array(week, currency, n, median) ORDER BY week, currency) "
    "FROM market_pay_week_medians WHERE role_family = :family AND n > 0 {currency}) AS weekly"
)


async def _one_role(session: AsyncSession, family: str, currency: str | None) -> Snapshot:
    only = "AND currency = :currency" if currency else ""
    row = (
        await session.execute(
            text(_ONE_ROLE.format(currency=only)), {"family": family, "currency": currency}
        )
    ).one()
    return Snapshot(
        counts=_fold_counts(row.counts or []),
        pay=[(code, int(n), [float(v) for v in figures]) for code, n, figures in row.pay or []],
        weekly=[
            (week_label(date.fromisoformat(week)), code, int(n), float(median))
            for week, code, n, median in row.weekly or []
        ],
        skills=[{"value": value, "count": int(n)} for value, n in row.skills or []],
        organizations=[
            {"id": str(id_), "name": name, "count": int(n)}
            for id_, name, n in row.organizations or []
        ],
    )
