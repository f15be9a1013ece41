"""Application emails by job, preferences, and one-click unsubscribe links."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from tests.applications.test_applications import apply, resume
from tests.fixtures.world import World
from tests.identity.test_email_flows import worker
from tests.postings.test_postings import draft
from tests.postings.test_search import publish
from tests.test_jobs import eventually

pytestmark = pytest.mark.anyio


def mails(app: FastAPI, to: str) -> list[Message]:
    outbox: Path = app.state.settings.data_dir / "outbox"
    found = [email.message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]
    return [m for m in found if m["To"] == to]


async def test_emails_respect_preferences_and_unsubscribe_links(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    candidate, recruiter = world.email("candidate"), world.email("recruiter")
    await client.put(
        "/v1/me/notifications",
        json={"application_updates": True, "new_applications": False},
        headers=world.headers("admin"),
    )
    posting = await publish(client, world, draft())
    application = (await apply(client, world, posting, await resume(client, world))).json()
    async with worker(app.state.settings, database_url):
        await eventually(lambda: mails(app, candidate) and mails(app, recruiter))
    received = mails(app, candidate)[0]
    assert received["Subject"] == "Application received"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mails(app, recruiter)[0]["Subject"].startswith("New application")
    assert mails(app, world.email("admin")) == []  # switched off

    link = "".join(str(received["List-Unsubscribe"]).split()).strip("<>")  # unfolded
    token = parse_qs(urlsplit(link).query)["token"][0]
    done = await client.post(f"/v1/notifications/unsubscribe?token={token}")
    assert done.status_code == 204
    prefs = await client.get("/v1/me/notifications", headers=world.headers("candidate"))
    assert prefs.json() == {"application_updates": False, "new_applications": True}
    forged = await client.post(f"/v1/notifications/unsubscribe?token={token[:-4]}AAAA")
    assert forged.status_code == 400 and forged.json()["code"] == "invalid_unsubscribe_token"

    moved = await client.post(
        f"/v1/applications/{application['id']}/transitions",
        json={"stage": "interview"},
        headers=world.headers("recruiter"),
    )
    assert moved.status_code == 200
    async with worker(app.state.settings, database_url):
        await eventually(lambda: job_done(database_url, application["id"]))
    assert len(mails(app, candidate)) == 1  # unsubscribed from updates: no new email


def job_done(database_url: str, application_id: str) -> bool:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT status FROM procrastinate_jobs WHERE task_name = "
            "'applications.status_changed' AND args->>'application_id' = %s",
            (application_id,),
        ).fetchone()
    return row is not None and row[0] == "succeeded"


async def test_a_member_who_applies_is_not_asked_to_review_their_own_application(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    posting = await publish(client, world, draft())
    resume_id = await resume(client, world, "recruiter")
    applied = await apply(client, world, posting, resume_id, **world.headers("recruiter"))
    assert applied.status_code == 201, applied.text
    recruiter, owner = world.email("recruiter"), world.email("owner")
    async with worker(app.state.settings, database_url):
        await eventually(lambda: mails(app, recruiter) and mails(app, owner))
    assert [m["Subject"] for m in mails(app, recruiter)] == ["Application received"]
    assert mails(app, owner)[0]["Subject"].startswith("New application")
