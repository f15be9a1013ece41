"""Public search, facets, stable cursors, incremental sync, JSON-LD and feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import psycopg
import pytest

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World, build_world, remove_world
from tests.postings.test_postings import draft

pytestmark = pytest.mark.anyio

POSTINGS: list[dict[str, Any]] = [
    draft(
        title="Senior Kubernetes Platform Engineer",
        role_family="site-reliability-engineer",
        required_skills=["k8s", "Terraform"],
        workplace_type="remote",
        locations=[],
        remote_from=["US"],
        pay_ranges=[{"min": 170000, "max": 210000, "currency": "USD", "period": "year"}],
    ),
    draft(
        title="Backend Engineer, Payments",
        level="mid",
        required_skills=["Go", "Postgres"],
        pay_ranges=[{"min": 120000, "max": 140000, "currency": "USD", "period": "year"}],
    ),
    draft(
        title="Data Engineer",
        role_family="data-engineer",
        level="junior",
        workplace_type="onsite",
        locations=[{"city": "Toronto", "region": "CA-ON", "country": "CA"}],
        description="## About the role\nBuild batch pipelines. This is an existing vacancy.",
        required_skills=["Python", "Airflow"],
        vacancy_exists=True,
        pay_ranges=[{"min": 85000, "max": 100000, "currency": "CAD", "period": "year"}],
    ),
    draft(
        title="Frontend Engineer",
        role_family="frontend-engineer",
        level="mid",
        required_skills=["TypeScript", "React"],
        pay_ranges=[{"min": 60, "max": 75, "currency": "USD", "period": "hour"}],
    ),
]


async def publish(client: httpx.AsyncClient, world: World, body: dict[str, Any]) -> dict[str, Any]:
    headers = world.headers("recruiter")
    created = await client.post(
        f"/v1/organizations/{world.organization_id}/postings", json=body, headers=headers
    )
    assert created.status_code == 201, created.text
    published = await client.post(f"/v1/postings/{created.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


@pytest.fixture
async def board(client: httpx.AsyncClient, world: World) -> AsyncIterator[list[dict[str, Any]]]:
    yield [await publish(client, world, body) for body in POSTINGS]


def ids(response: httpx.Response) -> list[str]:
    return [p["id"] for p in response.json()["items"]]


async def test_full_text_filters_and_sorts(
    client: httpx.AsyncClient, world: World, board: list[dict[str, Any]]
) -> None:
    mine = f"organization={world.organization_id}"
    kubernetes = await client.get(f"/v1/postings?{mine}&q=kubernetes&sort=relevance")
    assert ids(kubernetes)[0] == board[0]["id"] and kubernetes.json()["fuzzy"] is False
    synonym = await client.get(f"/v1/postings?{mine}&skill=postgres")
    assert ids(synonym) == [board[1]["id"]]
    levels = await client.get(f"/v1/postings?{mine}&level=mid&level=junior")
    assert set(ids(levels)) == {board[1]["id"], board[2]["id"], board[3]["id"]}
    canada = await client.get(f"/v1/postings?{mine}&country=CA")
    assert ids(canada) == [board[2]["id"]]
    remote = await client.get(f"/v1/postings?{mine}&workplace_type=remote&remote_from=US")
    assert ids(remote) == [board[0]["id"]]
    paid = await client.get(f"/v1/postings?{mine}&pay_min=130000&currency=USD&sort=-pay")
    assert ids(paid) == [board[0]["id"], board[3]["id"], board[1]["id"]]  # 210k, 156k, 140k
    typo = await client.get(f"/v1/postings?{mine}&q=Kubernetis%20Platfrom")
    assert typo.json()["fuzzy"] is True and ids(typo)[0] == board[0]["id"]
    nothing = await client.get(f"/v1/postings?{mine}&q=zzzqqq")
    assert ids(nothing) == []
    bad = await client.get(f"/v1/postings?{mine}&pay_min=1000")
    assert bad.status_code == 422


async def test_facets_and_caching(
    client: httpx.AsyncClient, world: World, board: list[dict[str, Any]]
) -> None:
    response = await client.get(f"/v1/postings?organization={world.organization_id}")
    facets = response.json()["facets"]
    assert {f["value"]: f["count"] for f in facets["level"]} == {"mid": 2, "senior": 1, "junior": 1}
    assert {"value": "CA", "count": 1, "estimated": False} in facets["country"]
    assert {"value": "PostgreSQL", "count": 1, "estimated": False} in facets["skill"]
    assert not any(f["estimated"] for f in facets["level"])
    assert response.headers["cache-control"].startswith("public")
    again = await client.get(
        f"/v1/postings?organization={world.organization_id}",
        headers={"if-none-match": response.headers["etag"]},
    )
    assert again.status_code == 304


async def test_cursor_pages_are_stable_while_postings_are_published(
    client: httpx.AsyncClient, world: World, board: list[dict[str, Any]]
) -> None:
    url = f"/v1/postings?organization={world.organization_id}&limit=1"
    seen: list[str] = []
    response = await client.get(url)
    while True:
        seen += ids(response)
        if len(seen) == 2:  # a new posting appears while the client pages
            await publish(client, world, draft(title="Late arrival"))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        assert 'rel="next"' in response.headers["link"]
        response = await client.get(f"{url}&cursor={cursor}")
    assert sorted(seen) == sorted(p["id"] for p in board)  # none twice, none skipped
    assert (await client.get(f"{url}&cursor=bm9wZQ")).status_code == 400


async def test_updated_since_lists_closed_ones_for_sync(
    client: httpx.AsyncClient, world: World, board: list[dict[str, Any]]
) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    await client.post(f"/v1/postings/{board[1]['id']}/close", headers=world.headers("admin"))
    synced = await client.get(
        "/v1/postings", params={"organization": str(world.organization_id), "updated_since": since}
    )
    statuses = {p["id"]: p["status"] for p in synced.json()["items"]}
    assert statuses[board[1]["id"]] == "closed" and len(statuses) == 4
    search = await client.get(f"/v1/postings?organization={world.organization_id}")
    assert board[1]["id"] not in ids(search)


async def test_json_ld_has_googles_required_properties(
    client: httpx.AsyncClient, board: list[dict[str, Any]]
) -> None:
    onsite = await client.get(f"/v1/postings/{board[2]['id']}/jsonld")
    assert onsite.headers["content-type"] == "application/ld+json"
    document = onsite.json()
    assert document["@context"] == "https://schema.org/" and document["@type"] == "JobPosting"
    for required in ("title", "description", "datePosted", "hiringOrganization", "jobLocation"):
        assert document[required], required
    assert document["jobLocation"][0]["address"]["addressCountry"] == "CA"
    assert document["validThrough"] and document["employmentType"] == "FULL_TIME"
    salary = document["baseSalary"]
    assert salary["@type"] == "MonetaryAmount" and salary["currency"] == "CAD"
    assert salary["value"] == {
        "@type": "QuantitativeValue",
        "minValue": 85000,
        "maxValue": 100000,
        "unitText": "YEAR",
    }
    assert document["directApply"] is True
    assert "<h2>" in document["description"]
    remote = (await client.get(f"/v1/postings/{board[0]['id']}/jsonld")).json()
    assert remote["jobLocationType"] == "TELECOMMUTE"
    assert remote["applicantLocationRequirements"] == [{"@type": "Country", "name": "US"}]
    assert "jobLocation" not in remote


async def test_feeds_parse_in_a_real_feed_parser(
    client: httpx.AsyncClient, world: World, board: list[dict[str, Any]]
) -> None:
    rss = await client.get(f"/v1/postings/feed.rss?organization={world.organization_id}")
    assert rss.headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(rss.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20"
    links = {entry.link for entry in parsed.entries}
    assert links == {p["url"] for p in board}
    feed = await client.get(f"/v1/postings/feed.json?organization={world.organization_id}&limit=2")
    assert feed.headers["content-type"] == "application/feed+json"
    # feedparser 6.0 reads RSS and Atom only, so the JSON Feed 1.1 rules are checked here:
    # https://www.jsonfeed.org/version/1.1/ (version, title, items with id and content).
    document = feed.json()
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and document["feed_url"].startswith("http")
    assert len(document["items"]) == 2
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["content_html"]
        assert item["url"] in {p["url"] for p in board}
        datetime.fromisoformat(item["date_published"])  # RFC 3339
    assert feed.json()["next_url"]


async def test_facets_are_estimated_past_the_exact_limit(database_url: str, tmp_path: Any) -> None:
    app = create_app(make_settings(database_url, tmp_path, search_facet_exact_limit=100))
    async with running(app) as client:
        world = build_world(app, database_url)
        try:
            with psycopg.connect(database_url) as conn:
                conn.execute(
                    "INSERT INTO postings (organization_id, status, title, role_family, level, "
                    "employment_type, workplace_type, description, published_at) "
                    "SELECT %s, 'published', 'Engineer ' || i, 'backend-engineer', "
                    "CASE WHEN i %% 3 = 0 THEN 'senior' ELSE 'mid' END, 'full_time', 'remote', "
                    "'Remote work.', now() FROM generate_series(1, 150) i",
                    (world.organization_id,),
                )
                conn.execute("ANALYZE postings, market_facts")
            response = await client.get(f"/v1/postings?organization={world.organization_id}")
            levels = {f["value"]: f for f in response.json()["facets"]["level"]}
            assert levels["mid"]["estimated"] is True and levels["senior"]["estimated"] is True
            assert 50 <= levels["mid"]["count"] + levels["senior"]["count"] <= 600
        finally:
            remove_world(database_url, world)
