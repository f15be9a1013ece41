"""DELETE /v1/me and the retention job: people go, organizations keep anonymous stages."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hireboard.privacy.tasks import retention
from hireboard.worker.registry import bind_runtime
from tests.applications.test_applications import apply, resume
from tests.fixtures.world import World
from tests.identity.test_email_flows import worker
from tests.postings.test_postings import draft
from tests.postings.test_search import publish
from tests.test_jobs import eventually

pytestmark = pytest.mark.anyio


def files(app: FastAPI) -> set[Path]:
    root: Path = app.state.settings.data_dir / "files"
    return {p for p in root.rglob("*") if p.is_file()}


async def test_erasing_a_candidate_keeps_anonymous_stages(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    headers = world.headers("candidate")
    await client.put("/v1/me/profile", json={"headline": "Me"}, headers=headers)
    posting = await publish(client, world, draft())
    before = files(app)
    resume_id = await resume(client, world)
    application = (await apply(client, world, posting, resume_id)).json()
    await client.post(
        f"/v1/applications/{application['id']}/transitions",
        json={"stage": "interview", "reason": "Looks good"},
        headers=world.headers("recruiter"),
    )
    erased = await client.delete("/v1/me", headers=headers)
    assert erased.status_code == 204
    async with worker(app.state.settings, database_url):  # files go by a job
        await eventually(lambda: files(app) <= before)  # the uploaded resume's file is gone
    assert (await client.get("/v1/me", headers=headers)).status_code == 401
    kept = await client.get(
        f"/v1/applications/{application['id']}", headers=world.headers("recruiter")
    )
    assert kept.status_code == 200
    body = kept.json()
    assert body["candidate_id"] is None and body["resume_id"] is None
    assert body["stage"] == "interview" and body["cover_letter"] is None
    history = await client.get(
        f"/v1/applications/{application['id']}/history", headers=world.headers("recruiter")
    )
    assert [e["to_stage"] for e in history.json()["items"]] == ["applied", "interview"]
    with psycopg.connect(database_url) as conn:
        gone = conn.execute(
            "SELECT (SELECT count(*) FROM users WHERE id = %(u)s), "
            "(SELECT count(*) FROM resumes WHERE user_id = %(u)s), "
            "(SELECT count(*) FROM candidate_profiles WHERE user_id = %(u)s)",
            {"u": world.users["candidate"]},
        ).fetchone()
    assert gone == (0, 0, 0)


async def test_the_last_owner_cannot_erase_themselves(
    client: httpx.AsyncClient, world: World
) -> None:
    refused = await client.delete("/v1/me", headers=world.headers("owner"))
    assert refused.status_code == 409 and refused.json()["code"] == "last_owner"


async def test_retention_anonymises_inactive_candidates(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE users SET created_at = now() - interval '3 years' WHERE id = %s",
            (world.users["candidate"],),
        )
        conn.execute(
            "UPDATE auth_sessions SET created_at = now() - interval '3 years' WHERE user_id = %s",
            (world.users["candidate"],),
        )
    bind_runtime(app.state.database.write_sessions, app.state.settings)  # as a worker would
    async with app.state.database.write_sessions() as session, session.begin():
        await retention(session, timestamp=0)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT candidate_id, anonymised_at IS NOT NULL FROM applications WHERE id = %s",
            (world.application_id,),
        ).fetchone()
        account = conn.execute(
            "SELECT count(*) FROM users WHERE id = %s", (world.users["candidate"],)
        ).fetchone()
    assert row == (None, True)
    assert account == (1,)  # the account stays; only its applications are anonymised
