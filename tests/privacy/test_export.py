"""GET /v1/me/export: everything about the caller, and nothing of anyone else's."""

from __future__ import annotations

import httpx
import pytest

from tests.applications.test_applications import apply, resume
from tests.fixtures.world import World
from tests.postings.test_postings import draft
from tests.postings.test_search import publish

pytestmark = pytest.mark.anyio


async def test_export_holds_the_callers_data_only(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers("candidate")
    await client.put(
        "/v1/me/profile", json={"headline": "Engineer", "skills": [{"name": "Go"}]}, headers=headers
    )
    posting = await publish(client, world, draft())
    application = (await apply(client, world, posting, await resume(client, world))).json()
    response = await client.get("/v1/me/export", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    document = response.json()
    assert document["account"]["email"] == world.email("candidate")
    assert "password_hash" not in document["account"]
    assert document["profile"]["headline"] == "Engineer"
    assert {r["filename"] for r in document["resumes"]} >= {"cv.txt"}
    assert "storage_key" not in document["resumes"][0]
    ids = {a["id"] for a in document["applications"]}
    assert ids == {application["id"], str(world.application_id)}
    assert document["application_history"][0]["to_stage"] == "applied"
    assert len(document["sessions"]) == 1
    other = (await client.get("/v1/me/export", headers=world.headers("outsider"))).json()
    assert other["applications"] == [] and other["profile"] is None
    assert (await client.get("/v1/me/export")).status_code == 401
