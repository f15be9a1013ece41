"""Statistics over ``market_facts`` and ``market_pay`` (kept equal to the published set by
triggers, so every figure is exact). Answers are cached per filter set for
``HIREBOARD_STATS_CACHE_SECONDS`` (default 5): a publish, edit or close shows within that.

Pay is the annualised midpoint of each posting's pay range, one distribution per currency,
never mixed. With ``convert_to`` the distributions are also pooled after conversion with
the dated rate table in ``reference/fx_rates.yaml``, and the answer says so.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.reference import fx_rates

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class Filters:
    role_family: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    workplace_type: tuple[str, ...] = ()
    skill: tuple[str, ...] = ()
    organization: uuid.UUID | None = None
    posted_within: int | None = None
    currency: str | None = None
    convert_to: str | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = ["true"]
        params: dict[str, Any] = {}
        for name in ("role_family", "level", "workplace_type"):
            values = getattr(self, name)
            if values:
                clauses.append(f"f.{name} = ANY(:{name})")
                params[name] = list(values)
        if self.country:
            clauses.append("f.countries && CAST(:country AS text[])")
            params["country"] = list(self.country)
        if self.skill:
            clauses.append("f.skills && CAST(:skill AS text[])")
            params["skill"] = list(self.skill)
        if self.organization is not None:
            clauses.append("f.organization_id = :organization")
            params["organization"] = self.organization
        if self.posted_within is not None:
            clauses.append("f.published_at >= now() - make_interval(days => :within)")
            params["within"] = self.posted_within
        return " AND ".join(clauses), params


@dataclass
class _Cache:
    ttl_s: float
    entries: dict[Filters, tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def get(self, key: Filters) -> dict[str, Any] | None:
        found = self.entries.get(key)
        if found is None or time.monotonic() - found[0] > self.ttl_s:
            return None
        return found[1]

    def put(self, key: Filters, value: dict[str, Any]) -> None:
        if len(self.entries) >= 2048:
            self.entries.clear()
        self.entries[key] = (time.monotonic(), value)


_caches: dict[float, _Cache] = {}


def _withheld(n: int, min_sample: int) -> dict[str, Any]:
    return {
        "withheld": True,
        "reason": f"fewer than {min_sample} postings: too few to publish without "
        "identifying employers or misleading",
    }


def _distribution(currency: str, row: Any, min_sample: int, basis: str) -> dict[str, Any]:
    n = int(row.n)
    entry: dict[str, Any] = {"currency": currency, "n": n, "basis": basis}
    names = ("min", "p10", "p25", "median", "p75", "p90", "max")
    if n < min_sample:
        return entry | _withheld(n, min_sample) | dict.fromkeys(names)
    values = [row.min, *row.quantiles, row.max]
    return (
        entry
        | {"withheld": False, "reason": None}
        | {name: round(float(value), 2) for name, value in zip(names, values, strict=True)}
    )


async def stats(
    session: AsyncSession, filters: Filters, *, min_sample: int, cache_s: float
) -> dict[str, Any]:
    cache = _caches.setdefault(cache_s, _Cache(cache_s))
    cached = cache.get(filters)
    if cached is not None:
        return cached
    result = await _compute(session, filters, min_sample)
    cache.put(filters, result)
    return result


async def _compute(session: AsyncSession, filters: Filters, min_sample: int) -> dict[str, Any]:
    where, params = filters.where()
    pay_where, pay_params = where, dict(params)
    if filters.currency:
        pay_where += " AND p.currency = :currency"
        pay_params["currency"] = filters.currency
    answer: dict[str, Any] = {
        **await _counts(session, where, params, min_sample),
        "pay": await _pay(session, pay_where, pay_params, min_sample),
        **await _tops(session, where, params),
        "weekly": await _weekly(session, where, pay_where, params, pay_params, min_sample),
        "min_sample": min_sample,
    }
    if filters.convert_to:
        answer["converted"] = await _converted(
            session, pay_where, pay_params, filters.convert_to, min_sample
        )
    return answer


async def _counts(
    session: AsyncSession, where: str, params: dict[str, Any], min_sample: int
) -> dict[str, Any]:
    """Open positions, the level mix and the remote share (shares withheld when few)."""
    head = (
        await session.execute(
            text(
                "SELECT count(*) AS n, count(*) FILTER (WHERE f.workplace_type = 'remote') "  # noqa: S608
                f"AS remote FROM market_facts f WHERE {where}"
            ),
            params,
        )
    ).one()
    total, remote = int(head.n), int(head.remote)
    levels = await session.execute(
        text(
            f"SELECT f.level, count(*) AS n FROM market_facts f WHERE {where} "  # noqa: S608
            "GROUP BY f.level ORDER BY f.level"
        ),
        params,
    )
    enough = total >= min_sample
    return {
        "open_positions": {"n": total},
        "levels": [
            {
                "level": row.level,
                "n": int(row.n),
                "share": round(100 * int(row.n) / total, 1) if enough else None,
            }
            for row in levels
        ],
        "remote_share": (
            {"n": remote, "share": round(100 * remote / total, 1)}
            if enough
            else {"n": remote, "share": None} | _withheld(total, min_sample)
        ),
    }


async def _pay(
    session: AsyncSession, pay_where: str, pay_params: dict[str, Any], min_sample: int
) -> list[dict[str, Any]]:
    """One distribution per currency, never mixed."""
    rows = await session.execute(
        text(
            "SELECT p.currency, count(*) AS n, min(p.mid_annual) AS min, max(p.mid_annual) AS max, "  # noqa: S608
            "percentile_cont(CAST(:quantiles AS float8[])) WITHIN GROUP (ORDER BY p.mid_annual) "
            "AS quantiles FROM market_pay p JOIN market_facts f ON f.posting_id = p.posting_id "
            f"WHERE {pay_where} GROUP BY p.currency ORDER BY count(*) DESC, p.currency"
        ),
        {**pay_params, "quantiles": list(QUANTILES)},
    )
    basis = "annualised midpoint of each posting's pay range"
    return [_distribution(r.currency, r, min_sample, basis) for r in rows]


async def _tops(session: AsyncSession, where: str, params: dict[str, Any]) -> dict[str, Any]:
    skills = await session.execute(
        text(
            f"SELECT s AS value, count(*) AS n FROM market_facts f, unnest(f.skills) s "  # noqa: S608
            f"WHERE {where} GROUP BY s ORDER BY n DESC, s LIMIT 10"
        ),
        params,
    )
    organizations = await session.execute(
        text(
            "SELECT o.id, o.name, count(*) AS n FROM market_facts f "  # noqa: S608
            f"JOIN organizations o ON o.id = f.organization_id WHERE {where} "
            "GROUP BY o.id, o.name ORDER BY n DESC, o.name LIMIT 10"
        ),
        params,
    )
    return {
        "top_skills": [{"value": r.value, "count": int(r.n)} for r in skills],
        "top_organizations": [
            {"id": str(r.id), "name": r.name, "count": int(r.n)} for r in organizations
        ],
    }


async def _weekly(
    session: AsyncSession,
    where: str,
    pay_where: str,
    params: dict[str, Any],
    pay_params: dict[str, Any],
    min_sample: int,
) -> list[dict[str, Any]]:
    week = "to_char(date_trunc('week', f.published_at), 'IYYY-\"W\"IW')"
    counts = await session.execute(
        text(
            f"SELECT {week} AS week, count(*) AS n FROM market_facts f WHERE {where} "  # noqa: S608
            "GROUP BY 1 ORDER BY 1"
        ),
        params,
    )
    medians = await session.execute(
        text(
            f"SELECT {week} AS week, p.currency, count(*) AS n, "  # noqa: S608
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY p.mid_annual) AS median "
            "FROM market_pay p JOIN market_facts f ON f.posting_id = p.posting_id "
            f"WHERE {pay_where} GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        pay_params,
    )
    by_week: dict[str, list[dict[str, Any]]] = {}
    for row in medians:
        enough = int(row.n) >= min_sample
        by_week.setdefault(row.week, []).append(
            {
                "currency": row.currency,
                "n": int(row.n),
                "median": round(float(row.median), 2) if enough else None,
                "withheld": not enough,
            }
        )
    return [
        {"week": row.week, "open_positions": int(row.n), "median_pay": by_week.get(row.week, [])}
        for row in counts
    ]


async def _converted(
    session: AsyncSession,
    pay_where: str,
    pay_params: dict[str, Any],
    target: str,
    min_sample: int,
) -> dict[str, Any]:
    """All currencies the table knows, pooled in ``target`` at the table's dated rates."""
    table = fx_rates()
    rates: dict[str, float] = table["rates"]
    known = sorted(set(rates))
    row = (
        await session.execute(
            text(
                "WITH r(currency, per_eur) AS (SELECT * FROM unnest(CAST(:codes AS text[]), "  # noqa: S608
                "CAST(:values AS float8[]))) "
                "SELECT count(*) AS n, min(v) AS min, max(v) AS max, "
                "percentile_cont(CAST(:quantiles AS float8[])) WITHIN GROUP (ORDER BY v) "
                "AS quantiles FROM (SELECT p.mid_annual / r.per_eur * :target_rate AS v "
                "FROM market_pay p JOIN r ON r.currency = p.currency "
                "JOIN market_facts f ON f.posting_id = p.posting_id "
                f"WHERE {pay_where}) s"
            ),
            {
                **pay_params,
                "codes": known,
                "values": [float(rates[c]) for c in known],
                "target_rate": float(rates[target]),
                "quantiles": list(QUANTILES),
            },
        )
    ).one()
    basis = f"annualised midpoints converted to {target} at the {table['date']} rates"
    entry = _distribution(target, row, min_sample, basis)
    return entry | {"rates_date": table["date"], "rates_source": table["source"]}


async def roles(session: AsyncSession) -> Sequence[Any]:
    result = await session.execute(
        text(
            "SELECT f.role_family, count(*) AS n FROM market_facts f "
            "GROUP BY f.role_family ORDER BY n DESC, f.role_family"
        )
    )
    return result.all()
