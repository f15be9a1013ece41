"""Trusted hosts, and absolute links that come from HIREBOARD_PUBLIC_URL, never from Host."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hireboard.app import create_app
from hireboard.config import Settings
from hireboard.kit.hosts import host_allowed, host_name
from tests.candidates.test_resumes import minimal_pdf
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World
from tests.postings.test_postings import draft
from tests.postings.test_search import publish

pytestmark = pytest.mark.anyio
PUBLIC = "https://jobs.example/board"
EVIL = {"host": "evil.example"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Any host is let in here, so the links show what they are built from."""
    return make_settings(database_url, tmp_path, public_url=PUBLIC, trusted_hosts=["*"])


async def test_an_untrusted_host_is_400_problem(database_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(database_url, tmp_path, public_url="https://jobs.example"))
    async with running(app) as client:
        evil = await client.get("/v1/postings", headers=EVIL)
        public = await client.get("/v1/postings", headers={"host": "jobs.example:443"})
        loopback = await client.get("/v1/postings", headers={"host": "127.0.0.1:8000"})
        probe = await client.get("/healthz", headers={"host": "10.1.2.3:8000"})
    assert evil.status_code == 400
    assert evil.headers["content-type"] == "application/problem+json"
    assert evil.json()["code"] == "invalid_host"
    assert evil.json()["request_id"] == evil.headers["x-request-id"]
    assert (public.status_code, loopback.status_code, probe.status_code) == (200, 200, 200)


async def test_production_trusts_only_the_public_host(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        make_settings(database_url, tmp_path, public_url="https://jobs.example").model_copy(
            update={"env": "production"}
        )
    )
    async with running(app) as client:
        loopback = await client.get("/v1/postings", headers={"host": "localhost"})
        public = await client.get("/v1/postings", headers={"host": "jobs.example"})
    assert loopback.status_code == 400 and loopback.json()["code"] == "invalid_host"
    assert public.status_code == 200


async def test_locations_come_from_the_public_url(client: httpx.AsyncClient, world: World) -> None:
    organization = await client.post(
        "/v1/organizations",
        json={"name": "Evil Hosts Ltd"},
        headers=world.headers("candidate") | EVIL,
    )
    template = await client.post(
        f"/v1/organizations/{world.organization_id}/templates",
        json={"from_template_id": "data-scientist", "title": "Data Scientist"},
        headers=world.headers("recruiter") | EVIL,
    )
    resume = await client.post(
        "/v1/me/resumes",
        files={"file": ("cv.pdf", minimal_pdf("Python"), "application/pdf")},
        headers=world.headers("candidate") | EVIL,
    )
    for created, path in (
        (organization, "/v1/organizations/"),
        (template, "/v1/templates/"),
        (resume, "/v1/resumes/"),
    ):
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"{PUBLIC}{path}{created.json()['id']}"


async def test_link_headers_and_feeds_come_from_the_public_url(
    client: httpx.AsyncClient, world: World
) -> None:
    for title in ("First", "Second"):
        await publish(client, world, draft(title=title))
    mine = f"organization={world.organization_id}"
    search = await client.get(f"/v1/postings?{mine}&limit=1", headers=EVIL)
    members = await client.get(
        f"/v1/organizations/{world.organization_id}/members?limit=1",
        headers=world.headers("owner") | EVIL,
    )
    feed = await client.get(f"/v1/postings/feed.json?{mine}&limit=1", headers=EVIL)
    rss = await client.get(f"/v1/postings/feed.rss?{mine}", headers=EVIL)
    assert search.headers["link"].startswith(f"<{PUBLIC}/v1/postings?")
    assert members.headers["link"].startswith(f"<{PUBLIC}/v1/organizations/")
    document = feed.json()
    assert document["feed_url"].startswith(f"{PUBLIC}/v1/postings/feed.json?")
    assert document["next_url"].startswith(f"{PUBLIC}/v1/postings/feed.json?")
    assert document["items"][0]["url"].startswith(f"{PUBLIC}/v1/postings/")
    assert "evil.example" not in feed.text + rss.text + str(search.headers) + search.text


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Jobs.Example:8443", "jobs.example"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("localhost", "localhost"),
        ("", ""),
    ],
)
def test_host_names_are_read_without_port(header: str, name: str) -> None:
    assert host_name(header) == name


def test_wildcards_allow_subdomains_only() -> None:
    allowed = frozenset({"*.jobs.example"})
    assert host_allowed("api.jobs.example", allowed)
    assert not host_allowed("jobs.example", allowed)
    assert not host_allowed("evil-jobs.example", allowed)
    assert host_allowed("anything", frozenset({"*"}))
