"""The trigger-kept summaries: equal to a recount after every kind of change, and the
statistics read from them equal to the statistics computed from the facts."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.market import service
from hireboard.market.service import Filters
from tests.fixtures.world import World
from tests.market.recount import mismatches, summarised_postings
from tests.market.test_stats import percentile_cont
from tests.postings.test_postings import draft
from tests.postings.test_search import publish

pytestmark = pytest.mark.anyio

LEVELS = ["junior", "mid", "senior", "staff"]
SKILLS = [["Python", "Airflow"], ["SQL", "dbt"], ["Python", "Spark", "SQL"]]


def _pay(rng: random.Random, currency: str, centre: int) -> dict[str, Any]:
    # Round figures, as employers give them: many midpoints share a bucket or a value.
    low = round(rng.gauss(centre, centre * 0.25) / 5_000) * 5_000
    return {"min": low, "max": low + 20_000, "currency": currency, "period": "year"}


async def data_board(client: httpx.AsyncClient, world: World, count: int) -> list[dict[str, Any]]:
    """``count`` data-engineer postings: levels, remote or not, one or two currencies."""
    rng = random.Random(5)  # noqa: S311 - test data, not secrets
    postings = []
    for index in range(count):
        ranges = [_pay(rng, "USD", 140_000)]
        if index % 4 == 0:
            ranges.append(_pay(rng, "CAD", 150_000))
        postings.append(
            await publish(
                client,
                world,
                draft(
                    title="Data Engineer",
                    role_family="data-engineer",
                    level=LEVELS[index % len(LEVELS)],
                    workplace_type="remote" if index % 3 == 0 else "hybrid",
                    required_skills=SKILLS[index % len(SKILLS)],
                    pay_ranges=ranges,
                ),
            )
        )
    return postings


async def test_summaries_equal_a_recount_after_every_change(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    with psycopg.connect(database_url) as conn:
        before = summarised_postings(conn)
    postings = await data_board(client, world, 12)
    admin = world.headers("admin")
    first, second, third = postings[0]["id"], postings[1]["id"], postings[2]["id"]
    edited = await client.patch(
        f"/v1/postings/{first}",
        json={"level": "principal", "required_skills": ["Kafka"], "workplace_type": "onsite"},
        headers=admin,
    )
    assert edited.status_code == 200, edited.text
    repriced = await client.patch(
        f"/v1/postings/{second}",
        json={"pay_ranges": [{"min": 1, "max": 2, "currency": "EUR", "period": "hour"}]},
        headers=admin,
    )
    assert repriced.status_code == 200, repriced.text
    closed = await client.post(f"/v1/postings/{third}/close", headers=admin)
    assert closed.status_code == 200, closed.text
    taken = await client.post(
        f"/v1/postings/{postings[3]['id']}/takedown",
        json={"reason": "spam"},
        headers=world.headers("platform_admin"),
    )
    assert taken.status_code == 200, taken.text
    with psycopg.connect(database_url) as conn:
        assert mismatches(conn) == {}
        # 12 published, one closed and one taken down.
        assert summarised_postings(conn) == before + 10
        edited_cells = conn.execute(
            "SELECT n FROM market_role_cells WHERE role_family = 'data-engineer' "
            "AND level = 'principal' AND workplace_type = 'onsite'"
        ).fetchall()
        assert sum(row[0] for row in edited_cells) >= 1


async def test_role_family_figures_match_values_computed_here(
    client: httpx.AsyncClient, world: World
) -> None:
    empty = (await client.get("/v1/market/stats?role_family=data-engineer")).json()
    assert empty["open_positions"]["n"] == 0, "another test left data-engineer postings"
    postings = await data_board(client, world, 20)
    stats = (await client.get("/v1/market/stats?role_family=data-engineer")).json()
    assert stats["open_positions"] == {"n": 20}
    for currency in ("USD", "CAD"):
        values = [
            (r["min"] + r["max"]) / 2
            for p in postings
            for r in p["pay_ranges"]
            if r["currency"] == currency
        ]
        entry = next(e for e in stats["pay"] if e["currency"] == currency)
        assert entry["n"] == len(values) and entry["withheld"] is False
        assert entry["min"] == min(values) and entry["max"] == max(values)
        for name, fraction in (("p10", 0.1), ("p25", 0.25), ("median", 0.5), ("p90", 0.9)):
            assert entry[name] == pytest.approx(percentile_cont(values, fraction)), name
    assert [e["currency"] for e in stats["pay"]] == ["USD", "CAD"]  # larger sample first
    assert {e["level"]: e["n"] for e in stats["levels"]} == dict.fromkeys(LEVELS, 5)
    remote = sum(p["workplace_type"] == "remote" for p in postings)
    assert stats["remote_share"] == {"n": remote, "share": round(100 * remote / 20, 1)}
    skills = {s["value"]: s["count"] for s in stats["top_skills"]}
    for skill in ("Python", "SQL", "Apache Airflow"):
        assert skills[skill] == sum(skill in p["required_skills"] for p in postings), skill
    assert stats["top_organizations"][0]["count"] == 20
    assert sum(week["open_positions"] for week in stats["weekly"]) == 20
    only_cad = (await client.get("/v1/market/stats?role_family=data-engineer&currency=CAD")).json()
    assert [e["currency"] for e in only_cad["pay"]] == ["CAD"]
    roles = (await client.get("/v1/market/roles")).json()["items"]
    assert next(r for r in roles if r["role_family"] == "data-engineer")["open_positions"] == 20


@pytest.mark.parametrize(
    "filters",
    [
        Filters(role_family=("data-engineer",)),
        Filters(role_family=("data-engineer",), currency="USD"),
        Filters(role_family=("data-engineer", "backend-engineer")),
        Filters(),
    ],
    ids=["one-family", "one-family-usd", "two-families", "everything"],
)
async def test_summaries_answer_as_the_facts_do(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    database_url: str,
    filters: Filters,
) -> None:
    postings = await data_board(client, world, 9)
    await publish(client, world, draft())  # a backend posting, for the two-family case
    with psycopg.connect(database_url) as conn:  # spread over five weeks (the trigger runs)
        for index, posting in enumerate(postings):
            conn.execute(
                "UPDATE postings SET published_at = published_at - make_interval(weeks => %s) "
                "WHERE id = %s",
                (index % 5, posting["id"]),
            )
    assert filters.summarised
    from_summaries = await service._from_summaries(session, filters, min_sample=3)
    from_facts = await service._from_facts(session, filters, min_sample=3)
    assert from_summaries["open_positions"]["n"] >= 9 and len(from_summaries["weekly"]) >= 5
    assert from_summaries == from_facts


async def test_concurrent_publishes_keep_the_weekly_median_exact(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    headers = world.headers("recruiter")
    ids = []
    for index in range(10):  # one role family, currency and week: the same median row
        created = await client.post(
            f"/v1/organizations/{world.organization_id}/postings",
            json=draft(
                role_family="qa-engineer",
                pay_ranges=[
                    {
                        "min": 90_000 + 7_000 * index,
                        "max": 120_000 + 7_000 * index,
                        "currency": "USD",
                        "period": "year",
                    }
                ],
            ),
            headers=headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    responses = await asyncio.gather(
        *(client.post(f"/v1/postings/{posting_id}/publish", headers=headers) for posting_id in ids)
    )
    assert [r.status_code for r in responses] == [200] * 10
    with psycopg.connect(database_url) as conn:
        assert mismatches(conn) == {}
        row = conn.execute(
            "SELECT sum(n) FROM market_pay_week_medians WHERE role_family = 'qa-engineer'"
        ).fetchone()
    assert row is not None and row[0] >= 10
