"""The built-in catalog, organization templates with versions, and rendering."""

from __future__ import annotations

import json

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hireboard.templates.catalog import builtin_templates
from hireboard.templates.sync import sync_builtin_templates
from hireboard.vocabulary import ROLE_FAMILIES
from tests.fixtures.world import World

pytestmark = pytest.mark.anyio


def test_the_catalog_covers_every_role_family_with_levels() -> None:
    catalog = builtin_templates()
    assert set(catalog) == set(ROLE_FAMILIES)
    for builtin_id, template in catalog.items():
        assert template.role_family == builtin_id
        assert len(template.level_ids) >= 3, builtin_id
        if builtin_id not in {"engineering-manager", "product-manager"}:
            assert {"junior", "mid", "senior"} <= set(template.level_ids), builtin_id
        assert template.kpis and template.faq and template.responsibilities


async def test_sync_is_idempotent_and_versions_changed_built_ins(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    assert await sync_builtin_templates(app.state.database) == 0  # the start synced already
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE job_template_versions SET content_hash = 'stale' FROM job_templates t "
            "WHERE t.id = template_id AND t.builtin_id = 'qa-engineer'"
        )
    assert await sync_builtin_templates(app.state.database) == 1
    versions = await client.get("/v1/templates/qa-engineer/versions")
    assert versions.json()["items"][0]["version"] >= 2


async def test_anyone_reads_built_ins_with_caching(client: httpx.AsyncClient) -> None:
    listed = await client.get("/v1/templates?limit=100")
    assert listed.status_code == 200
    builtins = {t["builtin_id"] for t in listed.json()["items"] if t["builtin_id"]}
    assert builtins == set(ROLE_FAMILIES)
    one = await client.get("/v1/templates/backend-engineer")
    assert one.status_code == 200
    body = one.json()
    assert body["builtin_id"] == "backend-engineer" and body["organization_id"] is None
    assert body["content"]["title"] == "Backend Engineer"
    assert one.headers["cache-control"].startswith("public")
    again = await client.get(
        "/v1/templates/backend-engineer", headers={"if-none-match": one.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    by_id = await client.get(f"/v1/templates/{body['id']}")
    assert by_id.json()["id"] == body["id"]
    for missing in ("no-such-role", "00000000-0000-0000-0000-000000000000"):
        response = await client.get(f"/v1/templates/{missing}")
        assert response.status_code == 404 and response.json()["code"] == "template_not_found"


@pytest.mark.parametrize(
    ("output", "media_type"),
    [
        ("markdown", "text/markdown; charset=utf-8"),
        ("html", "text/html; charset=utf-8"),
        ("text", "text/plain; charset=utf-8"),
        ("json", "application/json"),
    ],
)
async def test_render_formats_fill_placeholders(
    client: httpx.AsyncClient, output: str, media_type: str
) -> None:
    response = await client.get(
        "/v1/templates/backend-engineer/render",
        params={
            "level": "senior",
            "format": output,
            "company_name": "Acme <script>alert(1)</script>",
            "location": "Berlin",
            "pay_range": "EUR 80,000-100,000 a year",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    text = response.text
    assert "Senior Backend Engineer" in text and "Berlin" in text
    assert "EUR 80,000-100,000 a year" in text
    assert "{company_name}" not in text and "{apply_link}" in text  # unfilled stay visible
    if output == "html":
        assert "<script>" not in text and "&lt;script&gt;" in text
        assert "<h1>" in text and "<li>" in text
    if output == "markdown":
        assert text.startswith("# Senior Backend Engineer\n")
        assert "\\<script\\>" in text  # escaped so Markdown renderers show it as text
    if output == "json":
        document = json.loads(text)
        assert document["level"] == "senior"
        assert "apply_link" in document["unfilled_placeholders"]


async def test_render_refuses_levels_the_template_lacks(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/templates/backend-engineer/render?level=principal")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "level_not_available"
    assert "junior, mid, senior, staff" in problem["detail"]
    unknown = await client.get("/v1/templates/backend-engineer/render?level=wizard")
    assert unknown.status_code == 422
    post = await client.post(
        "/v1/templates/data-engineer/render",
        json={"level": "junior", "format": "text", "values": {"company_name": "Globex"}},
    )
    assert post.status_code == 200 and "Globex" in post.text


async def test_organization_templates_copy_edit_and_keep_versions(
    client: httpx.AsyncClient, world: World
) -> None:
    recruiter = world.headers("recruiter")
    created = await client.post(
        f"/v1/organizations/{world.organization_id}/templates",
        json={"from_template_id": "data-scientist", "title": "Data Scientist, Growth"},
        headers=recruiter,
    )
    assert created.status_code == 201, created.text
    template = created.json()
    assert template["version"] == 1 and template["organization_id"] == str(world.organization_id)
    assert template["content"]["title"] == "Data Scientist, Growth"
    assert template["copied_from"] is not None
    path = f"/v1/templates/{template['id']}"

    edited = await client.patch(path, json={"tools": ["Python", "dbt"]}, headers=recruiter)
    assert edited.status_code == 200 and edited.json()["version"] == 2
    versions = await client.get(path + "/versions", headers=recruiter)
    assert [v["version"] for v in versions.json()["items"]] == [2, 1]
    first = await client.get(path + "/versions/1", headers=recruiter)
    assert first.json()["content"]["tools"] != ["Python", "dbt"]
    assert (await client.get(path + "/versions/9", headers=recruiter)).status_code == 404

    assert (await client.get(path)).status_code == 404  # anonymous: not visible
    assert (await client.get(path, headers=world.headers("outsider"))).status_code == 404
    rendered = await client.get(path + "/render?level=mid", headers=world.headers("hiring_manager"))
    assert rendered.status_code == 200 and "private" in rendered.headers["cache-control"]
    mine = await client.get(
        f"/v1/templates?organization_id={world.organization_id}", headers=recruiter
    )
    assert template["id"] in {t["id"] for t in mine.json()["items"]}


async def test_template_edits_are_validated(client: httpx.AsyncClient, world: World) -> None:
    owner = world.headers("owner")
    builtin = await client.patch("/v1/templates/qa-engineer", json={"title": "X"}, headers=owner)
    assert builtin.status_code == 403 and builtin.json()["code"] == "builtin_template_read_only"
    scratch = await client.post(
        f"/v1/organizations/{world.organization_id}/templates",
        json={"title": "Only a title"},
        headers=owner,
    )
    assert scratch.status_code == 422 and scratch.json()["code"] == "invalid_template"
    missing = {tuple(e["loc"]) for e in scratch.json()["errors"]}
    assert ("body", "summary") in missing and ("body", "levels") in missing
    path = f"/v1/templates/{world.template_id}"
    levels = (await client.get(path, headers=owner)).json()["content"]["levels"]
    backwards = await client.patch(path, json={"levels": levels[::-1]}, headers=owner)
    assert backwards.status_code == 422
    unlisted = await client.patch(path, json={"summary": "Join {unknown_thing}."}, headers=owner)
    assert unlisted.status_code == 422 and "unknown_thing" in unlisted.text
    extra = await client.patch(path, json={"colour": "blue"}, headers=owner)
    assert extra.status_code == 422
