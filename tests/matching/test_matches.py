"""Explainable matching, both ways, with figures this test can reason about."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.world import World
from tests.postings.test_postings import draft
from tests.postings.test_search import publish

pytestmark = pytest.mark.anyio

PROFILE = {
    "headline": "Backend engineer who likes databases",
    "skills": [{"name": "Python", "years": 6}, {"name": "postgres", "years": 5}],
    "desired_levels": ["senior"],
    "desired_role_families": ["backend-engineer"],
    "locations": [{"city": "Denver", "region": "US-CO", "country": "US"}],
    "pay_expectation": {"amount": 140000, "currency": "USD", "period": "year"},
    "visibility": "employers",
}


async def board(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    return [
        await publish(client, world, draft(required_skills=["Python", "PostgreSQL"])),
        await publish(
            client,
            world,
            draft(
                title="Frontend Engineer",
                role_family="frontend-engineer",
                level="junior",
                required_skills=["TypeScript", "React"],
                pay_ranges=[{"min": 60000, "max": 70000, "currency": "USD", "period": "year"}],
            ),
        ),
        await publish(
            client,
            world,
            draft(
                title="Data Engineer",
                role_family="data-engineer",
                required_skills=["Python", "Airflow", "Snowflake"],
            ),
        ),
    ]


async def test_a_candidate_sees_postings_ranked_with_reasons(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers("candidate")
    missing = await client.get("/v1/me/matches", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "profile_not_found"
    assert (await client.put("/v1/me/profile", json=PROFILE, headers=headers)).status_code == 200
    postings = await board(client, world)
    response = await client.get("/v1/me/matches?limit=100", headers=headers)
    assert response.status_code == 200, response.text
    ranked = [m for m in response.json()["items"] if m["posting_id"] in {p["id"] for p in postings}]
    order = [m["posting_id"] for m in ranked]
    backend, frontend, data = (p["id"] for p in postings)
    assert order.index(backend) < order.index(data) < order.index(frontend)
    best = ranked[order.index(backend)]
    assert best["explanation"]["matched_skills"] == ["Python", "PostgreSQL"]
    assert best["explanation"]["missing_skills"] == []
    components = best["explanation"]["components"]
    assert components["must_have"] == 1.0 and components["level"] == 1.0
    assert components["pay"] == 1.0 and components["location"] == 1.0
    assert 0 < best["score"] <= 1
    data_match = ranked[order.index(data)]["explanation"]
    assert data_match["missing_skills"] == ["Apache Airflow", "Snowflake"]  # taxonomy names
    assert ranked[order.index(frontend)]["explanation"]["components"]["pay"] == 0.0
    again = await client.get("/v1/me/matches?limit=100", headers=headers)
    assert again.json() == response.json()  # deterministic
    first = await client.get("/v1/me/matches?limit=1", headers=headers)
    cursor = first.json()["next_cursor"]
    second = await client.get(f"/v1/me/matches?limit=1&cursor={cursor}", headers=headers)
    assert second.json()["items"][0]["posting_id"] != first.json()["items"][0]["posting_id"]


async def test_an_organization_sees_visible_candidates_only(
    client: httpx.AsyncClient, world: World
) -> None:
    postings = await board(client, world)
    await client.put("/v1/me/profile", json=PROFILE, headers=world.headers("candidate"))
    private = {**PROFILE, "visibility": "private"}
    await client.put("/v1/me/profile", json=private, headers=world.headers("outsider"))
    path = f"/v1/postings/{postings[0]['id']}/matches"
    response = await client.get(path, headers=world.headers("recruiter"))
    assert response.status_code == 200, response.text
    candidates = {m["candidate_id"] for m in response.json()["items"]}
    assert str(world.users["candidate"]) in candidates
    assert str(world.users["outsider"]) not in candidates
    denied = await client.get(path, headers=world.headers("outsider"))
    assert denied.status_code == 403  # a public posting, another organization's candidates


async def test_the_explanation_accounts_for_every_skill_of_the_posting(
    client: httpx.AsyncClient, world: World
) -> None:
    """A 0.5 nice-to-have and a 0.75 must-have component recomputed from the response."""
    headers = world.headers("candidate")
    assert (await client.put("/v1/me/profile", json=PROFILE, headers=headers)).status_code == 200
    posting = await publish(
        client,
        world,
        draft(
            required_skills=["Python", "Go"],  # Go: a language, like the candidate's Python
            nice_to_have_skills=["Postgres", "Figma"],  # Figma: design, nothing related
        ),
    )
    response = await client.get("/v1/me/matches?limit=100", headers=headers)
    assert response.status_code == 200, response.text
    found = next(m for m in response.json()["items"] if m["posting_id"] == posting["id"])
    explanation = found["explanation"]
    assert explanation["matched_skills"] == ["Python", "PostgreSQL"]
    assert explanation["missing_skills"] == ["Go", "Figma"]
    assert explanation["missing_required"] == ["Go"]
    assert explanation["related_skills"] == ["Go"]
    required = ["Python", "Go"]
    must = sum(
        1
        if s in explanation["matched_skills"]
        else 0.5
        if s in explanation["related_skills"]
        else 0
        for s in required
    ) / len(required)
    assert explanation["components"]["must_have"] == must == 0.75
    assert explanation["components"]["nice_to_have"] == 0.5


async def test_the_openapi_schema_documents_the_explanation(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    fields = schema["components"]["schemas"]["Explanation"]["properties"]
    assert set(fields) == {
        "matched_skills",
        "missing_skills",
        "missing_required",
        "related_skills",
        "components",
    }
    assert all(field.get("description") for field in fields.values())
    assert "nice-to-have" in fields["missing_skills"]["description"]
