"""``currency`` alone filters search the way it filters ``/v1/market/stats`` (issue 19.10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.fixtures.world import World
from tests.postings.test_postings import draft
from tests.postings.test_search import ids, publish

pytestmark = pytest.mark.anyio


def _pay(*currencies: str) -> list[dict[str, Any]]:
    return [
        {"min": 90000, "max": 110000, "currency": currency, "period": "year", "scope": currency}
        for currency in currencies
    ]


async def test_currency_alone_filters_postings_as_the_market_stats_do(
    client: httpx.AsyncClient, world: World
) -> None:
    async def posting(title: str, *currencies: str) -> str:
        created = await publish(client, world, draft(title=title, pay_ranges=_pay(*currencies)))
        return str(created["id"])

    euro = await posting("Euro", "EUR")
    dollar = await posting("Dollar", "USD")
    both = await posting("Both", "USD", "EUR")  # found for either currency
    await posting("Pound", "GBP")
    mine = f"organization={world.organization_id}"

    for currency, expected in (("EUR", {euro, both}), ("USD", {dollar, both}), ("JPY", set())):
        found = await client.get(f"/v1/postings?{mine}&currency={currency}")
        assert found.status_code == 200, found.text
        assert set(ids(found)) == expected
        assert sum(f["count"] for f in found.json()["facets"]["level"]) == len(expected)
        stats = await client.get(f"/v1/market/stats?{mine}&currency={currency}")
        assert [(e["currency"], e["n"]) for e in stats.json()["pay"]] == (
            [(currency, len(expected))] if expected else []
        )

    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    changed = await client.get(
        "/v1/postings",
        params={
            "organization": str(world.organization_id),
            "currency": "EUR",
            "updated_since": since,
        },
    )
    assert set(ids(changed)) == {euro, both}  # incremental sync reads the postings table
    feed = await client.get(f"/v1/postings/feed.json?{mine}&currency=USD")
    assert {item["id"] for item in feed.json()["items"]} == {dollar, both}
