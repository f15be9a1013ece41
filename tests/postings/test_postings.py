"""Postings: drafts, validation, the publishing gate, lifecycle, history and moderation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hireboard.postings.tasks import expire
from tests.fixtures.world import World
from tests.identity.test_email_flows import worker
from tests.test_jobs import eventually

pytestmark = pytest.mark.anyio

DENVER = [{"city": "Denver", "region": "US-CO", "country": "US"}]


def draft(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Senior Backend Engineer",
        "role_family": "backend-engineer",
        "level": "senior",
        "employment_type": "full_time",
        "workplace_type": "hybrid",
        "locations": DENVER,
        "description": "## About the role\nYou will build the billing APIs of a small team.",
        "required_skills": ["Python", "Postgres", "k8s"],
        "pay_ranges": [{"min": 150000, "max": 180000, "currency": "USD", "period": "year"}],
        "benefits": ["Health, dental and vision insurance", "401(k) with a 4% match"],
        "closes_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    return {**body, **overrides}


async def create(client: httpx.AsyncClient, world: World, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(**overrides),
        headers=world.headers("recruiter"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_draft_is_normalised_and_private(client: httpx.AsyncClient, world: World) -> None:
    posting = await create(
        client,
        world,
        pay_ranges=[{"min": 50, "max": 60, "currency": "USD", "period": "hour"}],
        annualisation_factors={"hour": 1950},
    )
    assert posting["status"] == "draft"
    assert posting["required_skills"] == ["Python", "PostgreSQL", "Kubernetes"]
    assert posting["pay_ranges"][0]["annual_min"] == 97500
    assert posting["pay_ranges"][0]["annual_max"] == 117000
    assert posting["organization"]["id"] == str(world.organization_id)
    assert posting["url"].endswith(f"/v1/postings/{posting['id']}")
    path = f"/v1/postings/{posting['id']}"
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path, headers=world.headers("outsider"))).status_code == 404
    mine = await client.get(path, headers=world.headers("hiring_manager"))
    assert mine.status_code == 200 and "private" in mine.headers["cache-control"]
    listed = await client.get(
        f"/v1/organizations/{world.organization_id}/postings?status=draft",
        headers=world.headers("hiring_manager"),
    )
    assert posting["id"] in {p["id"] for p in listed.json()["items"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pay_ranges": [{"min": 9, "max": 5, "currency": "USD", "period": "hour"}]}, "pay_ranges"),
        ({"pay_ranges": [{"min": 1, "max": 5, "currency": "XYZ", "period": "hour"}]}, "pay_ranges"),
        (
            {"pay_ranges": [{"min": 12, "max": 12, "currency": "USD", "period": "year"}]},
            "pay_ranges",
        ),
        ({"pay_ranges": [{"min": 50000, "currency": "USD", "period": "hour"}]}, "pay_ranges"),
        ({"locations": [{"city": "Atlantis", "country": "XX"}]}, "locations"),
        ({"locations": [{"city": "Denver", "region": "CA-ON", "country": "US"}]}, "locations"),
        ({"role_family": "wizard"}, "role_family"),
        ({"description": 'Hi <script>alert("x")</script>'}, "description"),
        ({"description": "[click](javascript:alert(1))"}, "description"),
        ({"status": "published"}, "status"),
        ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
        ({"closes_at": "2027-01-01T00:00:00"}, "closes_at"),
        ({"remote_from": ["ZZ"]}, "remote_from"),
    ],
)
async def test_bad_postings_are_422(
    client: httpx.AsyncClient, world: World, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(**change),
        headers=world.headers("recruiter"),
    )
    assert response.status_code == 422, response.text
    assert any(field in error["loc"] for error in response.json()["errors"]), response.text


async def test_every_bad_field_is_listed(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(role_family="wizard", level="guru", title=""),
        headers=world.headers("recruiter"),
    )
    fields = {error["loc"][1] for error in response.json()["errors"]}
    assert {"role_family", "level", "title"} <= fields


async def test_publishing_runs_the_checker(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    posting = await create(client, world, pay_ranges=[], benefits=[])
    path = f"/v1/postings/{posting['id']}"
    refused = await client.post(path + "/publish", headers=world.headers("recruiter"))
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "posting_not_compliant"
    rules = {f["rule_id"] for f in problem["findings"]}
    assert {"pay.us-co.range", "pay.us-co.benefits"} <= rules
    fixed = await client.patch(
        path,
        json={
            "pay_ranges": [{"min": 150000, "max": 170000, "currency": "USD", "period": "year"}],
            "benefits": ["Health insurance", "Pension"],
        },
        headers=world.headers("recruiter"),
    )
    assert fixed.status_code == 200, fixed.text
    published = await client.post(path + "/publish", headers=world.headers("recruiter"))
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["published_at"]
    public = await client.get(path)
    assert public.status_code == 200 and "public" in public.headers["cache-control"]
    # Still published, an edit that breaks the law is refused and nothing changes.
    broken = await client.patch(path, json={"pay_ranges": []}, headers=world.headers("admin"))
    assert broken.status_code == 409 and broken.json()["code"] == "posting_not_compliant"
    assert (await client.get(path)).json()["pay_ranges"][0]["min"] == 150000
    again = await client.post(path + "/publish", headers=world.headers("recruiter"))
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    history = await client.get(path + "/history", headers=world.headers("hiring_manager"))
    actions = [entry["action"] for entry in history.json()["items"]]
    assert actions == ["created", "updated", "publish"]
    update = history.json()["items"][1]
    assert update["actor_user_id"] == str(world.users["recruiter"])
    assert update["changes"]["benefits"] == {"from": [], "to": ["Health insurance", "Pension"]}
    assert (await client.get(path + "/history")).status_code == 401


async def test_close_reopen_and_expire(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    posting = await create(client, world)
    path = f"/v1/postings/{posting['id']}"
    writer = world.headers("admin")
    assert (await client.post(path + "/publish", headers=writer)).status_code == 200
    closed = await client.post(path + "/close", headers=writer)
    assert closed.json()["status"] == "closed"
    assert (await client.get(path)).json()["status"] == "closed"  # public, read-only
    reopened = await client.post(path + "/reopen", headers=writer)
    assert reopened.json()["status"] == "published"

    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE postings SET closes_at = now() - interval '1 minute' WHERE id = %s",
            (posting["id"],),
        )
    async with app.state.database.write_sessions() as session, session.begin():
        await expire(session, timestamp=0)
    expired = await client.get(path)
    assert expired.json()["status"] == "expired"
    late = await client.post(path + "/reopen", headers=writer)
    assert late.status_code == 409 and late.json()["code"] == "closes_at_passed"
    history = await client.get(path + "/history", headers=writer)
    assert history.json()["items"][-1]["action"] == "expired"
    assert history.json()["items"][-1]["actor_user_id"] is None


async def test_a_draft_from_a_template(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json={
            "template_id": "data-engineer",
            "level": "junior",
            "employment_type": "full_time",
            "workplace_type": "remote",
            "remote_from": ["DE", "PL"],
        },
        headers=world.headers("recruiter"),
    )
    assert response.status_code == 201, response.text
    posting = response.json()
    assert posting["title"] == "Junior Data Engineer"
    assert posting["role_family"] == "data-engineer"
    assert posting["template_version"] >= 1 and posting["template_id"]
    assert f"Acme {world.organization_id.hex[:8]}" in posting["description"]
    assert posting["required_skills"]


async def test_reports_and_takedown(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str, tmp_path: Any
) -> None:
    posting = await create(client, world)
    path = f"/v1/postings/{posting['id']}"
    assert (await client.post(path + "/publish", headers=world.headers("owner"))).status_code == 200
    reported = await client.post(
        path + "/reports", json={"reason": "scam"}, headers=world.headers("candidate")
    )
    assert reported.status_code == 201 and reported.json()["reason"] == "scam"
    bad = await client.post(
        path + "/reports", json={"reason": "ugly"}, headers=world.headers("candidate")
    )
    assert bad.status_code == 422
    denied = await client.post(path + "/takedown", headers=world.headers("owner"))
    assert denied.status_code == 403
    removed = await client.post(path + "/takedown", headers=world.headers("platform_admin"))
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path, headers=world.headers("owner"))).json()["status"] == "removed"
    search = await client.get(f"/v1/postings?organization={world.organization_id}")
    assert posting["id"] not in {p["id"] for p in search.json()["items"]}
    edit = await client.patch(path, json={"title": "Back"}, headers=world.headers("owner"))
    assert edit.status_code == 409 and edit.json()["code"] == "posting_removed"
    outbox = app.state.settings.data_dir / "outbox"
    async with worker(app.state.settings, database_url):
        await eventually(
            lambda: any(world.email("owner") in p.read_text() for p in outbox.glob("*.eml"))
        )
    log = await client.get(
        f"/v1/organizations/{world.organization_id}/audit-log", headers=world.headers("owner")
    )
    assert log.json()["items"][0]["action"] == "posting.removed"
