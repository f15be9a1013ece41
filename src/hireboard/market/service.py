"""Statistics over ``market_facts`` and ``market_pay`` (kept equal to the published set by
triggers, so every figure is exact). Filters on role family and currency alone are answered
from summaries the triggers keep per role family (``summaries``), in milliseconds at a
million postings; any other filter reads the matching facts. The routes keep each answer
rendered per filter set for ``HIREBOARD_STATS_CACHE_SECONDS`` (default 5, single flight in
each process): a publish, edit or close shows within that.

Pay is the annualised midpoint of each posting's pay range, one distribution per currency,
never mixed. With ``convert_to`` the distributions are also pooled after conversion with
the dated rate table in ``reference/fx_rates.yaml``, and the answer says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.market import summaries
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

    def pay_where(self) -> tuple[str, dict[str, Any]]:
        """``where`` plus the currency, over ``market_pay p`` joined to ``market_facts f``."""
        where, params = self.where()
        if self.currency:
            return f"{where} AND p.currency = :currency", params | {"currency": self.currency}
        return where, params

    @property
    def summarised(self) -> bool:
        """Only role family and currency: the summaries answer (a conversion is separate)."""
        narrowing = (self.level, self.country, self.workplace_type, self.skill)
        return not any(narrowing) and self.organization is None and self.posted_within is None


def _withheld(n: int, min_sample: int) -> dict[str, Any]:
    return {
        "withheld": True,
        "reason": f"fewer than {min_sample} postings: too few to publish without "
        "identifying employers or misleading",
    }


_FIGURES = ("min", "p10", "p25", "median", "p75", "p90", "max")


def _distribution(
    currency: str, n: int, figures: Sequence[float], min_sample: int, basis: str
) -> dict[str, Any]:
    """``figures`` are min, the ``QUANTILES`` and max, in that order."""
    entry: dict[str, Any] = {"currency": currency, "n": n, "basis": basis}
    if n < min_sample:
        return entry | _withheld(n, min_sample) | dict.fromkeys(_FIGURES)
    return (
        entry
        | {"withheld": False, "reason": None}
        | {name: round(float(v), 2) for name, v in zip(_FIGURES, figures, strict=True)}
    )


def _count_figures(
    total: int, remote: int, levels: Sequence[tuple[str, int]], min_sample: int
) -> dict[str, Any]:
    """Open positions, the level mix and the remote share (shares withheld when few)."""
    enough = total >= min_sample
    return {
        "open_positions": {"n": total},
        "levels": [
            {"level": level, "n": n, "share": round(100 * n / total, 1) if enough else None}
            for level, n in levels
        ],
        "remote_share": (
            {"n": remote, "share": round(100 * remote / total, 1)}
            if enough
            else {"n": remote, "share": None} | _withheld(total, min_sample)
        ),
    }


def _weekly_figures(
    counts: dict[str, int], medians: Sequence[tuple[str, str, int, float]], min_sample: int
) -> list[dict[str, Any]]:
    """Open positions per ISO week, with ``(week, currency, n, median)`` beside them."""
    by_week: dict[str, list[dict[str, Any]]] = {}
    for week, currency, n, median in medians:
        enough = n >= min_sample
        by_week.setdefault(week, []).append(
            {
                "currency": currency,
                "n": n,
                "median": round(float(median), 2) if enough else None,
                "withheld": not enough,
            }
        )
    return [
        {"week": week, "open_positions": n, "median_pay": by_week.get(week, [])}
        for week, n in counts.items()
    ]


PAY_BASIS = "annualised midpoint of each posting's pay range"


async def stats(session: AsyncSession, filters: Filters, *, min_sample: int) -> dict[str, Any]:
    """The figures for ``filters``; the routes keep them rendered (``kit.remembered``)."""
    if filters.summarised:
        result = await _from_summaries(session, filters, min_sample)
    else:
        result = await _from_facts(session, filters, min_sample)
    if filters.convert_to:
        where, params = filters.pay_where()
        result["converted"] = await _converted(
            session, where, params, filters.convert_to, min_sample
        )
    return result


async def _from_summaries(
    session: AsyncSession, filters: Filters, min_sample: int
) -> dict[str, Any]:
    """Role family and currency filters only: from the summaries (see ``summaries``)."""
    found = await summaries.snapshot(session, filters.role_family, filters.currency)
    counted = found.counts
    return {
        **_count_figures(counted["total"], counted["remote"], counted["levels"], min_sample),
        "pay": [
            _distribution(code, n, figures, min_sample, PAY_BASIS)
            for code, n, figures in sorted(found.pay, key=lambda q: (-q[1], q[0]))
        ],
        "top_skills": found.skills,
        "top_organizations": found.organizations,
        "weekly": _weekly_figures(counted["weeks"], found.weekly, min_sample),
        "min_sample": min_sample,
    }


async def _from_facts(session: AsyncSession, filters: Filters, min_sample: int) -> dict[str, Any]:
    """Any filters: computed from the published postings' facts."""
    where, params = filters.where()
    pay_where, pay_params = filters.pay_where()
    head = (
        await session.execute(
            text(
                "SELECT count(*) AS n, count(*) FILTER (WHERE f.workplace_type = 'remote') "  # noqa: S608
                f"AS remote FROM market_facts f WHERE {where}"
            ),
            params,
        )
    ).one()
    levels = await session.execute(
        text(
            f"SELECT f.level, count(*) AS n FROM market_facts f WHERE {where} "  # noqa: S608
            "GROUP BY f.level ORDER BY f.level"
        ),
        params,
    )
    return {
        **_count_figures(
            int(head.n), int(head.remote), [(r.level, int(r.n)) for r in levels], min_sample
        ),
        "pay": await _pay(session, pay_where, pay_params, min_sample),
        **await _tops(session, where, params),
        "weekly": await _weekly(session, where, pay_where, params, pay_params, min_sample),
        "min_sample": min_sample,
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
    return [
        _distribution(r.currency, int(r.n), [r.min, *r.quantiles, r.max], min_sample, PAY_BASIS)
        for r in rows
    ]


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
    counts = await session.execute(
        text(
            f"SELECT market_week(f.published_at) AS week, count(*) AS n FROM market_facts f "  # noqa: S608
            f"WHERE {where} GROUP BY 1 ORDER BY 1"
        ),
        params,
    )
    medians = await session.execute(
        text(
            "SELECT p.week, p.currency, count(*) AS n, "  # noqa: S608
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY p.mid_annual) AS median "
            "FROM market_pay p JOIN market_facts f ON f.posting_id = p.posting_id "
            f"WHERE {pay_where} GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        pay_params,
    )
    return _weekly_figures(
        {summaries.week_label(r.week): int(r.n) for r in counts},
        [(summaries.week_label(r.week), r.currency, int(r.n), r.median) for r in medians],
        min_sample,
    )


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
    figures = [row.min, *(row.quantiles or ()), row.max]
    entry = _distribution(target, int(row.n), figures, min_sample, basis)
    return entry | {"rates_date": table["date"], "rates_source": table["source"]}


async def roles(session: AsyncSession) -> Sequence[Any]:
    result = await session.execute(
        text(
            "SELECT role_family, sum(n) AS n FROM market_role_cells "
            "GROUP BY role_family HAVING sum(n) > 0 ORDER BY n DESC, role_family"
        )
    )
    return result.all()
