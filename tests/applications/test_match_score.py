"""The match score on applications: stored on apply, filtered by, paged, hidden from the
candidate, refreshed with the profile and backfilled for older applications."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hireboard.applications import tasks
from hireboard.worker.registry import bind_runtime
from tests.applications.test_applications import apply, resume
from tests.fixtures.world import World
from tests.identity.test_email_flows import worker
from tests.matching.test_matches import PROFILE, board

pytestmark = pytest.mark.anyio


async def _applied(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """The candidate (with a profile) applies to three postings, the outsider (without
    one) to the first. Returns postings, applications and the scores /v1/me/matches gives."""
    headers = world.headers("candidate")
    assert (await client.put("/v1/me/profile", json=PROFILE, headers=headers)).status_code == 200
    postings = await board(client, world)
    resume_id = await resume(client, world)
    applications = []
    for posting in postings:
        created = await apply(client, world, posting, resume_id)
        assert created.status_code == 201, created.text
        applications.append(created.json()["id"])
    other_resume = await resume(client, world, "outsider")
    unscored = await client.post(
        f"/v1/postings/{postings[0]['id']}/applications",
        json={"resume_id": other_resume},
        headers=world.headers("outsider"),
    )
    assert unscored.status_code == 201, unscored.text
    matches = (await client.get("/v1/me/matches?limit=100", headers=headers)).json()["items"]
    by_posting = {m["posting_id"]: m["score"] for m in matches}
    return {
        "postings": [p["id"] for p in postings],
        "applications": applications,
        "scores": [by_posting[p["id"]] for p in postings],
        "unscored": unscored.json()["id"],
    }


async def _listed(client: httpx.AsyncClient, world: World, path: str) -> list[dict[str, Any]]:
    response = await client.get(path, headers=world.headers("recruiter"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _after_jobs(
    client: httpx.AsyncClient,
    world: World,
    app: FastAPI,
    database_url: str,
    path: str,
    old_score: float,
) -> dict[str, Any]:
    """The organization's view of an application once a worker has changed its score."""
    async with worker(app.state.settings, database_url):
        for _ in range(200):
            view: dict[str, Any] = (
                await client.get(path, headers=world.headers("recruiter"))
            ).json()
            if view["match_score"] != old_score:
                break
            await asyncio.sleep(0.1)
    return view


async def test_the_filter_keeps_exactly_the_applications_at_or_above(
    client: httpx.AsyncClient, world: World
) -> None:
    setup = await _applied(client, world)
    backend, frontend, data = setup["scores"]
    # Everything but the text similarity is a perfect fit for the backend posting.
    assert backend >= 0.9 and backend > data > frontend
    stored = {}
    for application_id in (*setup["applications"], setup["unscored"]):
        view = await client.get(
            f"/v1/applications/{application_id}", headers=world.headers("recruiter")
        )
        stored[application_id] = view.json()["match_score"]
    assert list(stored.values()) == [backend, frontend, data, None]

    base = f"/v1/organizations/{world.organization_id}/applications?limit=100"
    expected = {
        0: {0, 1, 2},  # the unscored application never passes a threshold
        frontend: {0, 1, 2},  # at or above: the boundary is included
        (frontend + data) / 2: {0, 2},
        data: {0, 2},
        backend: {0},
    }
    for threshold, indexes in expected.items():
        items = await _listed(client, world, f"{base}&min_match_score={threshold}")
        assert {i["id"] for i in items} == {setup["applications"][n] for n in indexes}, threshold
        assert all(i["match_score"] >= threshold for i in items)
    everything = await _listed(client, world, base)
    assert len(everything) == 5  # with the world's own (unscored) application

    posting_path = f"/v1/postings/{setup['postings'][0]}/applications"
    assert len(await _listed(client, world, posting_path)) == 2
    filtered = await _listed(client, world, f"{posting_path}?min_match_score=0.5")
    assert [i["id"] for i in filtered] == [setup["applications"][0]]
    combined = await _listed(client, world, f"{base}&min_match_score=0&stage=applied")
    assert len(combined) == 3
    for bad in ("1.5", "-0.1", "high"):
        refused = await client.get(f"{base}&min_match_score={bad}", headers=world.headers("owner"))
        assert refused.status_code == 422


async def test_pages_follow_the_filter(client: httpx.AsyncClient, world: World) -> None:
    setup = await _applied(client, world)
    threshold = (setup["scores"][1] + setup["scores"][2]) / 2  # backend and data pass
    path = f"/v1/organizations/{world.organization_id}/applications?min_match_score={threshold}"
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        url = f"{path}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=world.headers("recruiter"))).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Newest first: data was applied to after backend.
    assert seen == [setup["applications"][2], setup["applications"][0]]


async def test_the_candidate_never_sees_the_score(client: httpx.AsyncClient, world: World) -> None:
    setup = await _applied(client, world)
    headers = world.headers("candidate")
    own = await client.get(f"/v1/applications/{setup['applications'][0]}", headers=headers)
    assert own.status_code == 200 and "match_score" not in own.json()
    mine = (await client.get("/v1/me/applications", headers=headers)).json()["items"]
    assert mine and all("match_score" not in item for item in mine)


async def test_a_profile_change_rescores_the_applications(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    setup = await _applied(client, world)
    headers = world.headers("candidate")
    path = f"/v1/applications/{setup['applications'][0]}"
    before = (await client.get(path, headers=world.headers("recruiter"))).json()
    changed = {**PROFILE, "skills": [{"name": "React", "years": 2}], "desired_levels": []}
    assert (await client.put("/v1/me/profile", json=changed, headers=headers)).status_code == 200
    matches = (await client.get("/v1/me/matches?limit=100", headers=headers)).json()["items"]
    new_score = next(m["score"] for m in matches if m["posting_id"] == setup["postings"][0])
    assert new_score < setup["scores"][0]
    view = await _after_jobs(client, world, app, database_url, path, setup["scores"][0])
    assert view["match_score"] == new_score
    assert view["updated_at"] == before["updated_at"]  # not a change in the pipeline


async def test_a_posting_edit_rescores_its_applications(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    setup = await _applied(client, world)
    posting = setup["postings"][0]
    path = f"/v1/applications/{setup['applications'][0]}"
    edited = await client.patch(
        f"/v1/postings/{posting}",
        json={"required_skills": ["Figma", "Sketch"], "nice_to_have_skills": []},
        headers=world.headers("admin"),
    )
    assert edited.status_code == 200, edited.text
    headers = world.headers("candidate")
    matches = (await client.get("/v1/me/matches?limit=100", headers=headers)).json()["items"]
    new_score = next(m["score"] for m in matches if m["posting_id"] == posting)
    assert new_score < setup["scores"][0]
    view = await _after_jobs(client, world, app, database_url, path, setup["scores"][0])
    assert view["match_score"] == new_score
    # The outsider, who has no profile, is still unscored; other postings are untouched.
    unscored = f"/v1/applications/{setup['unscored']}"
    assert (await client.get(unscored, headers=world.headers("recruiter"))).json()[
        "match_score"
    ] is None
    other = f"/v1/applications/{setup['applications'][1]}"
    assert (await client.get(other, headers=world.headers("recruiter"))).json()[
        "match_score"
    ] == setup["scores"][1]


async def test_older_applications_are_backfilled_in_batches(
    client: httpx.AsyncClient,
    world: World,
    app: FastAPI,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup = await _applied(client, world)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE applications SET match_score = NULL WHERE organization_id = %s",
            (world.organization_id,),
        )
    bind_runtime(app.state.database.write_sessions, app.state.settings)  # as a worker would
    monkeypatch.setattr(tasks, "BACKFILL_BATCH", 1)
    after = None
    for _ in range(50):  # one candidate per job here; other tests may leave a few more
        async with app.state.database.write_sessions() as session, session.begin():
            await tasks.score_missing(session, after=after)
        with psycopg.connect(database_url) as conn:
            follow_up = conn.execute(
                "DELETE FROM procrastinate_jobs WHERE task_name = 'applications.score_missing' "
                "AND status = 'todo' AND args ? 'after' RETURNING args->>'after'"
            ).fetchone()
        if follow_up is None:
            break
        after = follow_up[0]
    assert after is not None  # at least one follow-up job was deferred
    scored = await _listed(
        client, world, f"/v1/organizations/{world.organization_id}/applications?limit=100"
    )
    by_id = {item["id"]: item["match_score"] for item in scored}
    assert [by_id[a] for a in setup["applications"]] == setup["scores"]
    assert by_id[setup["unscored"]] is None  # no profile: nothing to score with
