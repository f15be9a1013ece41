"""Applying, idempotent submission, the pipeline, and who sees what."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import psycopg
import pytest

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World
from tests.postings.test_postings import draft
from tests.postings.test_search import publish

pytestmark = pytest.mark.anyio


async def resume(client: httpx.AsyncClient, world: World, who: str = "candidate") -> str:
    response = await client.post(
        "/v1/me/resumes",
        files={"file": ("cv.txt", b"Python and PostgreSQL.", "text/plain")},
        headers=world.headers(who),
    )
    assert response.status_code == 201, response.text
    resume_id: str = response.json()["id"]
    return resume_id


async def apply(
    client: httpx.AsyncClient, world: World, posting: dict[str, Any], resume_id: str, **headers: str
) -> httpx.Response:
    return await client.post(
        f"/v1/postings/{posting['id']}/applications",
        json={"resume_id": resume_id, "cover_letter": "Hello."},
        headers={**world.headers("candidate"), **headers},
    )


async def test_apply_once_and_who_sees_what(client: httpx.AsyncClient, world: World) -> None:
    posting = await publish(client, world, draft())
    resume_id = await resume(client, world)
    first = await apply(client, world, posting, resume_id)
    assert first.status_code == 201, first.text
    application = first.json()
    assert application["stage"] == "applied" and "stage_name" not in application
    again = await apply(client, world, posting, resume_id)
    assert again.status_code == 409 and again.json()["code"] == "already_applied"

    path = f"/v1/applications/{application['id']}"
    pipeline_view = (await client.get(path, headers=world.headers("hiring_manager"))).json()
    assert pipeline_view["stage"] == "applied" and pipeline_view["stage_name"] == "Applied"
    assert (await client.get(path, headers=world.headers("outsider"))).status_code == 404
    # The organization may now read the resume it received, and nobody else.
    file = await client.get(f"/v1/resumes/{resume_id}/file", headers=world.headers("recruiter"))
    assert file.status_code == 200 and file.content == b"Python and PostgreSQL."
    other = await client.get(f"/v1/resumes/{resume_id}/file", headers=world.headers("outsider"))
    assert other.status_code == 404
    mine = await client.get("/v1/me/applications", headers=world.headers("candidate"))
    assert next(a["id"] for a in mine.json()["items"]) == application["id"]


async def test_closed_draft_and_elsewhere_postings(client: httpx.AsyncClient, world: World) -> None:
    resume_id = await resume(client, world)
    closed = await publish(client, world, draft())
    await client.post(f"/v1/postings/{closed['id']}/close", headers=world.headers("admin"))
    refused = await apply(client, world, closed, resume_id)
    assert refused.status_code == 409 and refused.json()["code"] == "posting_not_open"
    elsewhere = await publish(client, world, draft(apply_url="https://jobs.example/42"))
    redirected = await apply(client, world, elsewhere, resume_id)
    assert (
        redirected.status_code == 409
        and redirected.json()["apply_url"] == "https://jobs.example/42"
    )
    drafts = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(),
        headers=world.headers("recruiter"),
    )
    hidden = await apply(client, world, drafts.json(), resume_id)
    assert hidden.status_code == 404
    someone_elses = await resume(client, world, "outsider")
    open_posting = await publish(client, world, draft())
    stolen = await apply(client, world, open_posting, someone_elses)
    assert stolen.status_code == 404 and stolen.json()["code"] == "resume_not_found"


async def test_twenty_concurrent_submissions_with_one_key_make_one_application(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    posting = await publish(client, world, draft())
    resume_id = await resume(client, world)
    responses = await asyncio.gather(
        *(
            apply(client, world, posting, resume_id, **{"idempotency-key": "apply-1"})
            for _ in range(20)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201]
    assert created and len({r.json()["id"] for r in created}) == 1
    conflicts = {r.json()["code"] for r in responses if r.status_code == 409}
    assert conflicts <= {"idempotency_key_in_use"}
    with psycopg.connect(database_url) as conn:
        count = conn.execute(
            "SELECT count(*) FROM applications WHERE posting_id = %s", (posting["id"],)
        ).fetchone()
    assert count == (1,)


async def test_pipeline_moves_withdrawal_and_history(
    client: httpx.AsyncClient, world: World
) -> None:
    posting = await publish(client, world, draft())
    resume_id = await resume(client, world)
    application = (await apply(client, world, posting, resume_id)).json()
    path = f"/v1/applications/{application['id']}"
    stages = await client.get(
        f"/v1/organizations/{world.organization_id}/pipeline-stages",
        headers=world.headers("recruiter"),
    )
    assert next(s["key"] for s in stages.json()["items"]) == "applied"
    moved = await client.post(
        path + "/transitions",
        json={"stage": "interview", "reason": "Strong resume"},
        headers=world.headers("hiring_manager"),
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "interview"
    unknown = await client.post(
        path + "/transitions", json={"stage": "lunch"}, headers=world.headers("recruiter")
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_stage"
    candidate_view = (await client.get(path, headers=world.headers("candidate"))).json()
    assert candidate_view["stage"] == "interview"
    withdrawn = await client.post(path + "/withdraw", headers=world.headers("candidate"))
    assert withdrawn.status_code == 200 and withdrawn.json()["stage"] == "withdrawn"
    final = await client.post(
        path + "/transitions", json={"stage": "offer"}, headers=world.headers("recruiter")
    )
    assert final.status_code == 409 and final.json()["code"] == "application_closed"
    history = (await client.get(path + "/history", headers=world.headers("recruiter"))).json()
    moves = [(e["from_stage"], e["to_stage"]) for e in history["items"]]
    assert moves == [(None, "applied"), ("applied", "interview"), ("interview", "withdrawn")]
    assert history["items"][1]["reason"] == "Strong resume"
    assert history["items"][1]["actor_id"] == str(world.users["hiring_manager"])


async def test_notes_lists_bulk_moves_and_stages(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    posting = await publish(client, world, draft())
    resume_id = await resume(client, world)
    first = (await apply(client, world, posting, resume_id)).json()
    other_resume = await resume(client, world, "outsider")
    second = await client.post(
        f"/v1/postings/{posting['id']}/applications",
        json={"resume_id": other_resume},
        headers=world.headers("outsider"),
    )
    assert second.status_code == 201
    recruiter = world.headers("recruiter")

    note = await client.post(
        f"/v1/applications/{first['id']}/notes",
        json={"body": "Clear writing.", "rating": 5},
        headers=recruiter,
    )
    assert note.status_code == 201 and note.json()["rating"] == 5
    hidden = await client.get(
        f"/v1/applications/{first['id']}/notes", headers=world.headers("candidate")
    )
    assert hidden.status_code == 404  # notes are the organization's only
    assert (
        "rating"
        not in (
            await client.get(f"/v1/applications/{first['id']}", headers=world.headers("candidate"))
        ).json()
    )

    rated = await client.get(
        f"/v1/organizations/{world.organization_id}/applications?min_rating=4", headers=recruiter
    )
    assert [a["id"] for a in rated.json()["items"]] == [first["id"]]
    by_posting = await client.get(
        f"/v1/postings/{posting['id']}/applications?limit=1", headers=recruiter
    )
    assert len(by_posting.json()["items"]) == 1 and by_posting.json()["next_cursor"]

    added = await client.post(
        f"/v1/organizations/{world.organization_id}/pipeline-stages",
        json={"key": "take_home", "name": "Take-home task", "category": "interview"},
        headers=world.headers("admin"),
    )
    assert added.status_code == 201 and added.json()["position"] == 8
    taken = await client.post(
        f"/v1/organizations/{world.organization_id}/pipeline-stages",
        json={"key": "take_home", "name": "Again", "category": "interview"},
        headers=world.headers("admin"),
    )
    assert taken.status_code == 409
    renamed = await client.patch(
        f"/v1/organizations/{world.organization_id}/pipeline-stages/take_home",
        json={"name": "Exercise"},
        headers=world.headers("owner"),
    )
    assert renamed.json() == {
        "key": "take_home",
        "name": "Exercise",
        "category": "interview",
        "position": 8,
    }

    both = [first["id"], second.json()["id"]]
    moved = await client.post(
        f"/v1/organizations/{world.organization_id}/applications/transitions",
        json={"application_ids": both, "stage": "take_home"},
        headers=recruiter,
    )
    assert moved.status_code == 200
    assert {a["stage_name"] for a in moved.json()["items"]} == {"Exercise"}
    candidate_view = await client.get(
        f"/v1/applications/{first['id']}", headers=world.headers("candidate")
    )
    assert candidate_view.json()["stage"] == "interview"  # the category, not the key

    await client.post(
        f"/v1/applications/{first['id']}/withdraw", headers=world.headers("candidate")
    )
    refused = await client.post(
        f"/v1/organizations/{world.organization_id}/applications/transitions",
        json={"application_ids": both, "stage": "offer"},
        headers=recruiter,
    )
    assert refused.status_code == 409  # one is withdrawn: nothing moved
    with psycopg.connect(database_url) as conn:
        stage = conn.execute(
            "SELECT stage_key FROM applications WHERE id = %s", (both[1],)
        ).fetchone()
    assert stage == ("take_home",)


QUESTIONS = [
    {"id": "authorised", "text": "Are you authorised to work in the US?", "kind": "yes_no",
     "required": True},
    {"id": "start", "text": "When could you start?", "kind": "choice",
     "choices": ["Now", "In a month", "Later"]},
    {"id": "years", "text": "Years of Python?", "kind": "number", "min": 0, "max": 40},
]  # fmt: skip


async def test_screening_questions(client: httpx.AsyncClient, world: World) -> None:
    refused = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(
            questions=[{"id": "pay", "text": "What is your current salary?", "kind": "number"}]
        ),
        headers=world.headers("recruiter"),
    )
    assert refused.status_code == 422 and "pay history" in refused.text
    posting = await publish(client, world, draft(questions=QUESTIONS))
    assert [q["id"] for q in posting["questions"]] == ["authorised", "start", "years"]
    resume_id = await resume(client, world)
    url = f"/v1/postings/{posting['id']}/applications"
    bad = await client.post(
        url,
        json={
            "resume_id": resume_id,
            "answers": [
                {"question_id": "start", "value": "Tomorrow"},
                {"question_id": "years", "value": 99},
                {"question_id": "shoe_size", "value": "42"},
            ],
        },
        headers=world.headers("candidate"),
    )
    assert bad.status_code == 422
    codes = sorted(error["code"] for error in bad.json()["errors"])
    assert codes == ["answer_required", "invalid_answer", "invalid_answer", "unknown_question"]
    good = await client.post(
        url,
        json={
            "resume_id": resume_id,
            "answers": [
                {"question_id": "authorised", "value": True},
                {"question_id": "years", "value": 7},
            ],
        },
        headers=world.headers("candidate"),
    )
    assert good.status_code == 201, good.text
    seen = await client.get(
        f"/v1/applications/{good.json()['id']}", headers=world.headers("recruiter")
    )
    assert {"question_id": "years", "value": 7} in seen.json()["answers"]


async def test_self_identification_is_reported_only_in_aggregate(
    client: httpx.AsyncClient, world: World, app: Any, database_url: str
) -> None:
    answers = {"gender": "female", "veteran_status": "not_a_veteran"}
    assert (
        await client.put(
            f"/v1/applications/{world.application_id}/self-identification",
            json=answers,
            headers=world.headers("candidate"),
        )
    ).status_code == 204
    other = await client.put(
        f"/v1/applications/{world.application_id}/self-identification",
        json=answers,
        headers=world.headers("outsider"),
    )
    assert other.status_code == 404
    bad = await client.put(
        f"/v1/applications/{world.application_id}/self-identification",
        json={"gender": "robot"},
        headers=world.headers("candidate"),
    )
    assert bad.status_code == 422
    report = await client.get(
        f"/v1/organizations/{world.organization_id}/self-identification-report",
        headers=world.headers("owner"),
    )
    gender = report.json()["fields"]["gender"]
    assert gender == [{"value": "female", "count": None, "withheld": True}]  # 1 < 5
    application = await client.get(
        f"/v1/applications/{world.application_id}", headers=world.headers("owner")
    )
    assert "female" not in application.text  # never part of the application
    one = create_app(make_settings(database_url, app.state.settings.data_dir, stats_min_sample=1))
    async with running(one) as small:
        shown = await small.get(
            f"/v1/organizations/{world.organization_id}/self-identification-report",
            headers=world.headers("owner"),
        )
    assert shown.json()["fields"]["gender"] == [{"value": "female", "count": 1, "withheld": False}]
