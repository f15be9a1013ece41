"""Validation reports every bad field at its own location, with strict types (issue 19.9)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.world import World
from tests.postings.test_postings import draft

pytestmark = pytest.mark.anyio


def locs(response: httpx.Response) -> set[tuple[str | int, ...]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {tuple(error["loc"]) for error in response.json()["errors"]}


async def create(client: httpx.AsyncClient, world: World, **fields: Any) -> httpx.Response:
    return await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(**fields),
        headers=world.headers("recruiter"),
    )


async def test_location_errors_name_the_country_and_the_region(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await create(
        client,
        world,
        locations=[
            {"city": "Nowhere", "country": "XX"},
            {"city": "Toronto", "region": "US-CO", "country": "CA"},
        ],
    )
    assert locs(response) == {
        ("body", "locations", 0, "country"),
        ("body", "locations", 1, "region"),
    }


async def test_every_pay_range_error_is_reported_together(
    client: httpx.AsyncClient, world: World
) -> None:
    bad = {"min": 200000, "max": 100000, "currency": "XYZ", "period": "year"}
    response = await create(client, world, pay_ranges=[bad])
    assert locs(response) == {
        ("body", "pay_ranges", 0, "currency"),
        ("body", "pay_ranges", 0, "max"),
    }
    messages = {error["msg"] for error in response.json()["errors"]}
    assert any("min is above max" in message for message in messages)


async def test_missing_required_fields_are_each_named(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json={"title": "Engineer", "level": "senior"},
        headers=world.headers("recruiter"),
    )
    assert locs(response) == {
        ("body", name)
        for name in ("role_family", "employment_type", "workplace_type", "description")
    }


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("years_experience", "5", ("body", "years_experience")),
        ("years_experience", True, ("body", "years_experience")),
        ("vacancy_exists", "true", ("body", "vacancy_exists")),
        ("vacancy_exists", 1, ("body", "vacancy_exists")),
        ("title", 42, ("body", "title")),
        ("required_skills", ["Python", 3], ("body", "required_skills", 1)),
        ("closes_at", 1893456000, ("body", "closes_at")),
        (
            "pay_ranges",
            [{"min": "100000", "currency": "USD", "period": "year"}],
            ("body", "pay_ranges", 0, "min"),
        ),
    ],
)
async def test_loose_types_are_refused_in_posting_bodies(
    client: httpx.AsyncClient, world: World, field: str, value: Any, loc: tuple[Any, ...]
) -> None:
    assert loc in locs(await create(client, world, **{field: value}))


async def test_a_boolean_is_not_a_headcount(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        f"/v1/organizations/{world.organization_id}",
        json={"headcount_by_region": {"EU": True, "US-CO": 12}, "headcount": False},
        headers=world.headers("owner"),
    )
    assert locs(response) == {("body", "headcount_by_region", "EU"), ("body", "headcount")}
    fine = await client.patch(
        f"/v1/organizations/{world.organization_id}",
        json={"headcount_by_region": {"EU": 3}, "headcount": 40},
        headers=world.headers("owner"),
    )
    assert fine.status_code == 200, fine.text
    assert fine.json()["headcount_by_region"] == {"EU": 3}


async def test_strings_still_parse_as_ids_and_times(
    client: httpx.AsyncClient, world: World
) -> None:
    """Strict mode, yet JSON's only way to send a UUID or a time is a string."""
    created = await create(client, world, closes_at="2099-01-31T23:59:00Z")
    assert created.status_code == 201, created.text
    assert created.json()["closes_at"].startswith("2099-01-31T23:59:00")


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("pay_min=inf&currency=USD", ("query", "pay_min")),
        ("pay_min=nan&currency=USD", ("query", "pay_min")),
        ("country=USA", ("query", "country", 0)),
        ("remote_from=U$", ("query", "remote_from", 0)),
        ("skill=%0A", ("query", "skill", 0)),
        ("updated_since=1700000000", ("query", "updated_since")),
        ("updated_since=2026-01-01T00:00:00", ("query", "updated_since")),
        ("posted_since=0", ("query", "posted_since")),
    ],
)
async def test_query_junk_is_refused(
    client: httpx.AsyncClient, query: str, loc: tuple[Any, ...]
) -> None:
    assert loc in locs(await client.get(f"/v1/postings?{query}"))


async def test_a_time_without_a_zone_is_refused(client: httpx.AsyncClient, world: World) -> None:
    """RFC 3339 or nothing: a bare number would be a Unix time, a naive time a guess."""
    for expires_at in ("2099-01-01T00:00:00", 4070908800, "4070908800"):
        response = await client.post(
            f"/v1/organizations/{world.organization_id}/api-keys",
            json={"name": "ci", "scopes": ["postings:read"], "expires_at": expires_at},
            headers=world.headers("owner"),
        )
        assert locs(response) == {("body", "expires_at")}


async def test_a_whole_number_written_as_a_float_is_an_integer(
    client: httpx.AsyncClient, world: World
) -> None:
    """JSON Schema's `integer` includes 2.0, so the document allows it; 2.5 stays refused."""
    whole = await client.patch(
        f"/v1/organizations/{world.organization_id}",
        json={"headcount_by_region": {"EU": 42.0}, "headcount": 300.0},
        headers=world.headers("owner"),
    )
    assert whole.status_code == 200, whole.text
    assert whole.json()["headcount_by_region"] == {"EU": 42}
    assert whole.json()["headcount"] == 300
    fraction = await client.patch(
        f"/v1/organizations/{world.organization_id}",
        json={"headcount_by_region": {"EU": 2.5}, "headcount": "300"},
        headers=world.headers("owner"),
    )
    assert locs(fraction) == {("body", "headcount_by_region", "EU"), ("body", "headcount")}


async def test_times_are_stored_as_the_same_instant_in_utc(
    client: httpx.AsyncClient, world: World
) -> None:
    """RFC 3339 allows offsets to 23:59; PostgreSQL refuses past 15:59 (it was a 500)."""
    created = await create(client, world, closes_at="2099-03-23T10:00:58-17:42")
    assert created.status_code == 201, created.text
    assert created.json()["closes_at"].startswith("2099-03-24T03:42:58")


async def test_a_time_outside_the_calendar_once_in_utc_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await create(client, world, closes_at="9999-12-31T23:59:59-05:00")
    assert locs(response) == {("body", "closes_at")}


async def test_patch_on_a_feed_path_is_not_an_edit(client: httpx.AsyncClient, world: World) -> None:
    """`/v1/postings/{posting_id}` took `feed.json` for an id (422); the path has no PATCH."""
    for path in ("/v1/postings/feed.json", "/v1/postings/feed.rss"):
        response = await client.patch(path, json={}, headers=world.headers("owner"))
        assert response.status_code == 405, response.text
        assert "GET" in response.headers["allow"]
