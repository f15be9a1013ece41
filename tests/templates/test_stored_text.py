"""Text stored before the shared text rule (issue 19.3) still reads: the rule refuses a
client's input, never a row already written."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.fixtures.world import World

pytestmark = pytest.mark.anyio


async def test_a_template_written_with_a_line_break_still_reads(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    recruiter = world.headers("recruiter")
    created = await client.post(
        f"/v1/organizations/{world.organization_id}/templates",
        json={"from_template_id": "data-scientist"},
        headers=recruiter,
    )
    assert created.status_code == 201, created.text
    template_id = created.json()["id"]
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE job_template_versions SET content = jsonb_set(content, '{summary}', "
            "to_jsonb(CAST(%s AS text))) WHERE template_id = %s",
            ("Two\nlines", template_id),
        )
    read = await client.get(f"/v1/templates/{template_id}", headers=recruiter)
    assert read.status_code == 200, read.text
    assert read.json()["content"]["summary"] == "Two\nlines"
    rendered = await client.post(
        f"/v1/templates/{template_id}/render", json={"format": "markdown"}, headers=recruiter
    )
    assert rendered.status_code == 200, rendered.text
    resent = await client.patch(
        f"/v1/templates/{template_id}", json={"summary": "Two\nlines"}, headers=recruiter
    )
    assert resent.status_code == 422
