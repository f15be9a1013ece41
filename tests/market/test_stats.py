"""Market statistics, checked against figures this test computes itself."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hireboard.reference import fx_rates
from tests.fixtures.world import World
from tests.postings.test_postings import draft
from tests.postings.test_search import publish

pytestmark = pytest.mark.anyio

USD = [(100_000, 120_000), (130_000, 150_000), (90_000, 100_000), (160_000, 200_000),
       (110_000, 130_000), (140_000, 160_000)]  # fmt: skip
EUR = [(60_000, 70_000), (80_000, 90_000), (50_000, 70_000)]


def percentile_cont(values: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def board(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    postings = []
    for index, (low, high) in enumerate(USD):
        postings.append(
            await publish(
                client,
                world,
                draft(
                    level="senior" if index % 2 else "mid",
                    workplace_type="remote" if index < 2 else "hybrid",
                    required_skills=["Python", "Postgres"] if index % 3 else ["Go"],
                    pay_ranges=[{"min": low, "max": high, "currency": "USD", "period": "year"}],
                ),
            )
        )
    for low, high in EUR:
        postings.append(
            await publish(
                client,
                world,
                draft(
                    locations=[{"city": "Berlin", "country": "DE"}],
                    pay_ranges=[{"min": low, "max": high, "currency": "EUR", "period": "year"}],
                ),
            )
        )
    return postings


async def test_stats_match_figures_computed_here(client: httpx.AsyncClient, world: World) -> None:
    postings = await board(client, world)
    response = await client.get(f"/v1/market/stats?organization={world.organization_id}")
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["open_positions"] == {"n": 9}
    pay = {entry["currency"]: entry for entry in stats["pay"]}
    usd = [(low + high) / 2 for low, high in USD]
    assert pay["USD"]["n"] == 6 and pay["USD"]["withheld"] is False
    assert pay["USD"]["median"] == pytest.approx(percentile_cont(usd, 0.5))
    assert pay["USD"]["p10"] == pytest.approx(percentile_cont(usd, 0.1))
    assert pay["USD"]["p90"] == pytest.approx(percentile_cont(usd, 0.9))
    assert (pay["USD"]["min"], pay["USD"]["max"]) == (min(usd), max(usd))
    assert "midpoint" in pay["USD"]["basis"]
    # Currencies are never mixed, and three EUR postings are too few to publish.
    assert pay["EUR"]["n"] == 3 and pay["EUR"]["withheld"] is True
    assert pay["EUR"]["median"] is None and pay["EUR"]["reason"]
    levels = {entry["level"]: entry for entry in stats["levels"]}
    # USD postings alternate mid/senior; the EUR ones are senior (the draft's default).
    assert levels["senior"]["n"] == 3 + 3 and levels["mid"]["n"] == 3
    assert levels["senior"]["share"] == pytest.approx(round(100 * 6 / 9, 1))
    assert stats["remote_share"] == {"n": 2, "share": round(100 * 2 / 9, 1)}
    skills = {s["value"]: s["count"] for s in stats["top_skills"]}
    # Python and Postgres on USD postings 1, 2, 4, 5 and on the EUR drafts; Go on 0 and 3.
    assert skills["PostgreSQL"] == 4 + 3 and skills["Go"] == 2
    assert stats["top_organizations"][0]["count"] == 9
    assert sum(week["open_positions"] for week in stats["weekly"]) == 9

    # A closed posting leaves the sample at once (no cache in this test).
    await client.post(f"/v1/postings/{postings[0]['id']}/close", headers=world.headers("admin"))
    await client.post(f"/v1/postings/{postings[1]['id']}/close", headers=world.headers("admin"))
    after = (await client.get(f"/v1/market/stats?organization={world.organization_id}")).json()
    after_pay = {entry["currency"]: entry for entry in after["pay"]}
    assert after["open_positions"] == {"n": 7}
    assert after_pay["USD"]["n"] == 4 and after_pay["USD"]["withheld"] is True
    filtered = await client.get(
        f"/v1/market/stats?organization={world.organization_id}&currency=USD&level=mid"
    )
    assert [p["currency"] for p in filtered.json()["pay"]] == ["USD"]
    assert filtered.json()["open_positions"]["n"] == 2  # mid USD postings 2 and 4 are open


async def test_conversion_uses_the_dated_table(client: httpx.AsyncClient, world: World) -> None:
    await board(client, world)
    response = await client.get(
        f"/v1/market/stats?organization={world.organization_id}&convert_to=EUR"
    )
    converted = response.json()["converted"]
    table = fx_rates()
    values = [(low + high) / 2 / table["rates"]["USD"] for low, high in USD]
    values += [(low + high) / 2 for low, high in EUR]
    assert converted["n"] == 9 and converted["currency"] == "EUR"
    assert converted["median"] == pytest.approx(percentile_cont(values, 0.5), rel=1e-6)
    assert converted["rates_date"] == table["date"] and "converted" in converted["basis"]
    bad = await client.get("/v1/market/stats?convert_to=XAF")
    assert bad.status_code == 422


async def test_roles_list_and_detail(client: httpx.AsyncClient, world: World) -> None:
    await board(client, world)
    roles = (await client.get("/v1/market/roles")).json()["items"]
    backend = next(r for r in roles if r["role_family"] == "backend-engineer")
    assert backend["open_positions"] >= 9 and backend["title"] == "Backend Engineer"
    assert len(roles) == 14
    detail = await client.get("/v1/market/roles/backend-engineer")
    body = detail.json()
    assert body["stats"]["open_positions"]["n"] >= 9
    assert body["template"]["title"] == "Backend Engineer"
    assert (await client.get("/v1/market/roles/wizard")).status_code == 422
