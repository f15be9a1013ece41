"""Organizations, members and roles, invitations, API keys and the audit log, end to end."""

from __future__ import annotations

import email
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World, build_world
from tests.identity.test_email_flows import worker
from tests.test_jobs import eventually

pytestmark = pytest.mark.anyio
PASSWORD = "a long enough passphrase"  # noqa: S105 - a test account's password


def org_path(world: World, tail: str = "") -> str:
    return f"/v1/organizations/{world.organization_id}{tail}"


async def audit_actions(client: httpx.AsyncClient, world: World) -> list[str]:
    response = await client.get(org_path(world, "/audit-log"), headers=world.headers("owner"))
    assert response.status_code == 200, response.text
    return [entry["action"] for entry in response.json()["items"]]


async def test_create_an_organization_and_become_its_owner(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers("candidate")
    body = {
        "name": "Zürich Data Works",
        "website": "https://zdw.example",
        "headcount": 140,
        "headcount_by_region": {"CH": 100, "US-CO": 40},
    }
    created = await client.post("/v1/organizations", json=body, headers=headers)
    assert created.status_code == 201, created.text
    organization = created.json()
    assert organization["slug"].startswith("zurich-data-works")
    assert organization["my_role"] == "owner"
    assert organization["headcount_by_region"] == {"CH": 100, "US-CO": 40}
    assert created.headers["location"].endswith(f"/v1/organizations/{organization['id']}")

    public = await client.get(f"/v1/organizations/{organization['id']}")
    assert public.status_code == 200
    assert public.json()["my_role"] is None and public.json()["name"] == body["name"]

    mine = await client.get("/v1/organizations", headers=headers)
    assert [o["id"] for o in mine.json()["items"]] == [organization["id"]]
    members = await client.get(f"/v1/organizations/{organization['id']}/members", headers=headers)
    assert [(m["email"], m["role"]) for m in members.json()["items"]] == [
        (world.email("candidate"), "owner")
    ]
    taken = await client.post(
        "/v1/organizations",
        json={"name": "Other", "slug": organization["slug"]},
        headers=world.headers("outsider"),
    )
    assert taken.status_code == 409 and taken.json()["code"] == "slug_taken"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "plan": "gold"}, "plan"),
        ({"name": "X", "id": "00000000-0000-0000-0000-000000000000"}, "id"),
        ({"name": "X", "website": "javascript:alert(1)"}, "website"),
        ({"name": "X", "headcount": -1}, "headcount"),
        ({"name": "X", "headcount_by_region": {"Colorado": 3}}, "headcount_by_region"),
        ({"name": "X", "slug": "Not A Slug"}, "slug"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_organization_fields_are_422(
    client: httpx.AsyncClient, world: World, body: dict[str, object], field: str
) -> None:
    response = await client.post("/v1/organizations", json=body, headers=world.headers("candidate"))
    assert response.status_code == 422, response.text
    assert any(field in error["loc"] for error in response.json()["errors"])


async def test_unverified_users_cannot_create_organizations_when_required(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(make_settings(database_url, tmp_path, require_verified_email=True))
    async with running(app) as client:
        world = build_world(app, database_url, verified=False)
        response = await client.post(
            "/v1/organizations", json={"name": "Unverified"}, headers=world.headers("candidate")
        )
        assert response.status_code == 403
        assert response.json()["code"] == "email_not_verified"


async def test_idempotency_keys_are_scoped_by_the_caller(
    client: httpx.AsyncClient, world: World
) -> None:
    key = {"idempotency-key": f"org-{secrets.token_hex(4)}"}
    body = {"name": "Same Key Inc"}
    first = await client.post(
        "/v1/organizations", json=body, headers={**world.headers("candidate"), **key}
    )
    replay = await client.post(
        "/v1/organizations", json=body, headers={**world.headers("candidate"), **key}
    )
    other = await client.post(
        "/v1/organizations", json=body, headers={**world.headers("outsider"), **key}
    )
    assert first.status_code == replay.status_code == other.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == first.content
    assert other.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in other.headers


async def test_update_profile_and_audit(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        org_path(world),
        json={"description": "We make dashboards.", "logo_url": "https://cdn.example/logo.png"},
        headers=world.headers("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "We make dashboards."
    assert response.json()["my_role"] == "admin"
    taken = await client.patch(
        org_path(world),
        json={"slug": f"globex-{world.organization_id.hex[:8]}"},
        headers=world.headers("admin"),
    )
    assert taken.status_code == 409
    assert "organization.updated" in await audit_actions(client, world)


async def test_owners_alone_touch_owners_and_the_last_owner_stays(
    client: httpx.AsyncClient, world: World
) -> None:
    owner, admin = world.users["owner"], world.users["admin"]
    promote = await client.patch(
        org_path(world, f"/members/{admin}"), json={"role": "owner"}, headers=world.headers("admin")
    )
    assert promote.status_code == 403 and promote.json()["code"] == "owners_only"
    demote_owner = await client.delete(
        org_path(world, f"/members/{owner}"), headers=world.headers("admin")
    )
    assert demote_owner.status_code == 403

    last = await client.patch(
        org_path(world, f"/members/{owner}"), json={"role": "admin"}, headers=world.headers("owner")
    )
    assert last.status_code == 409 and last.json()["code"] == "last_owner"
    leave = await client.delete(
        org_path(world, f"/members/{owner}"), headers=world.headers("owner")
    )
    assert leave.status_code == 409 and leave.json()["code"] == "last_owner"

    promoted = await client.patch(
        org_path(world, f"/members/{admin}"), json={"role": "owner"}, headers=world.headers("owner")
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "owner"
    assert (
        await client.delete(org_path(world, f"/members/{owner}"), headers=world.headers("owner"))
    ).status_code == 204
    members = await client.get(org_path(world, "/members"), headers=world.headers("admin"))
    assert owner not in {m["user_id"] for m in members.json()["items"]}
    gone = await client.get(org_path(world, "/members"), headers=world.headers("owner"))
    assert gone.status_code == 404  # the former owner no longer sees the private side

    log = await client.get(org_path(world, "/audit-log"), headers=world.headers("admin"))
    entries = log.json()["items"]
    assert [e["action"] for e in entries[:2]] == ["member.left", "member.role_changed"]
    assert entries[1]["details"] == {"from": "admin", "to": "owner"}
    missing = await client.patch(
        org_path(world, f"/members/{world.users['candidate']}"),
        json={"role": "admin"},
        headers=world.headers("admin"),
    )
    assert missing.status_code == 404 and missing.json()["code"] == "member_not_found"


async def test_invitation_by_email_accepted_by_the_invited_account(
    client: httpx.AsyncClient, app: FastAPI, database_url: str, world: World, tmp_path: Path
) -> None:
    settings = app.state.settings
    invitee = world.email("outsider")
    response = await client.post(
        org_path(world, "/invitations"),
        json={"email": invitee.upper(), "role": "hiring_manager"},
        headers=world.headers("admin"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending" and response.json()["email"] == invitee
    outbox = tmp_path / "outbox"

    def invitation_mail() -> list[email.message.Message]:
        messages = [email.message_from_bytes(p.read_bytes()) for p in outbox.glob("*.eml")]
        return [m for m in messages if m["To"] == invitee]

    async with worker(settings, database_url):
        await eventually(invitation_mail)
    message = invitation_mail()[0]
    text = message.get_payload(decode=True)
    assert isinstance(text, bytes)
    found = re.search(r"/v1/invitations/([A-Za-z0-9_-]+)/accept", text.decode())
    assert found is not None
    token = found.group(1)
    assert f"/invitations/{token}\n" in text.decode()  # the link a person opens
    page = await client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"/v1/invitations/{token}/accept" in page.text

    wrong = await client.post(f"/v1/invitations/{token}/accept", headers=world.headers("candidate"))
    assert wrong.status_code == 403 and wrong.json()["code"] == "invitation_email_mismatch"
    accepted = await client.post(
        f"/v1/invitations/{token}/accept", headers=world.headers("outsider")
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["my_role"] == "hiring_manager"
    again = await client.post(f"/v1/invitations/{token}/accept", headers=world.headers("outsider"))
    assert again.status_code == 404 and again.json()["code"] == "invitation_not_found"
    members = await client.get(org_path(world, "/members"), headers=world.headers("outsider"))
    assert members.status_code == 200
    assert (invitee, "hiring_manager") in {(m["email"], m["role"]) for m in members.json()["items"]}
    invitations = await client.get(org_path(world, "/invitations"), headers=world.headers("owner"))
    statuses = {i["email"]: i["status"] for i in invitations.json()["items"]}
    assert statuses[invitee] == "accepted"
    assert "member.added" in await audit_actions(client, world)


async def test_revoked_and_replaced_invitations_stop_working(
    client: httpx.AsyncClient, world: World
) -> None:
    revoked = await client.delete(
        org_path(world, f"/invitations/{world.invitation_id}"), headers=world.headers("owner")
    )
    assert revoked.status_code == 204
    accept = await client.post(
        f"/v1/invitations/{world.invitation_token}/accept", headers=world.headers("candidate")
    )
    assert accept.status_code == 404
    for _ in range(2):
        response = await client.post(
            org_path(world, "/invitations"),
            json={"email": "twice@example.com"},
            headers=world.headers("owner"),
        )
        assert response.status_code == 201
    listed = await client.get(org_path(world, "/invitations"), headers=world.headers("owner"))
    twice = [i["status"] for i in listed.json()["items"] if i["email"] == "twice@example.com"]
    assert twice == ["pending", "revoked"]  # newest first: the second replaced the first
    owner_invite = await client.post(
        org_path(world, "/invitations"),
        json={"email": "boss@example.com", "role": "owner"},
        headers=world.headers("admin"),
    )
    assert owner_invite.status_code == 403 and owner_invite.json()["code"] == "owners_only"


async def test_accepting_makes_a_member_and_verifies_the_address(
    client: httpx.AsyncClient, database_url: str, world: World
) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE users SET email_verified_at = NULL WHERE id = %s", (world.users["candidate"],)
        )
    response = await client.post(
        f"/v1/invitations/{world.invitation_token}/accept", headers=world.headers("candidate")
    )
    assert response.status_code == 200, response.text
    me = await client.get("/v1/me", headers=world.headers("candidate"))
    assert me.json()["email_verified"] is True


async def test_api_keys_are_shown_once_scoped_and_revocable(
    client: httpx.AsyncClient, database_url: str, world: World
) -> None:
    created = await client.post(
        org_path(world, "/api-keys"),
        json={"name": "ATS sync", "scopes": ["organization:read"]},
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    key = created.json()["key"]
    assert key.startswith("hbk_") and created.json()["prefix"] == key[:12]
    listed = await client.get(org_path(world, "/api-keys"), headers=world.headers("owner"))
    assert key not in listed.text and created.json()["prefix"] in listed.text
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT secret_hash FROM api_keys WHERE prefix = %s", (key[:12],))
        row = stored.fetchone()
        assert row is not None and key not in row[0]

    as_key = {"authorization": f"Bearer {key}"}
    members = await client.get(org_path(world, "/members"), headers=as_key)
    assert members.status_code == 200
    keys = await client.get(org_path(world, "/api-keys"), headers=as_key)
    assert keys.status_code == 403 and keys.json()["code"] == "api_key_not_allowed"
    other = await client.get(
        f"/v1/organizations/{world.other_organization_id}/members", headers=as_key
    )
    assert other.status_code == 404
    assert (await client.get("/v1/me", headers=as_key)).status_code == 401
    listed = await client.get(org_path(world, "/api-keys"), headers=world.headers("owner"))
    used = next(k for k in listed.json()["items"] if k["id"] == created.json()["id"])
    assert used["last_used_at"] is not None

    revoked = await client.delete(
        org_path(world, f"/api-keys/{created.json()['id']}"), headers=world.headers("owner")
    )
    assert revoked.status_code == 204
    after = await client.get(org_path(world, "/members"), headers=as_key)
    assert after.status_code == 401 and after.json()["code"] == "invalid_api_key"
    actions = await audit_actions(client, world)
    assert actions[:2] == ["api_key.revoked", "api_key.created"]


async def test_api_key_scope_and_expiry(
    client: httpx.AsyncClient, database_url: str, world: World
) -> None:
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    too_late = await client.post(
        org_path(world, "/api-keys"),
        json={"name": "x", "scopes": ["postings:read"], "expires_at": far},
        headers=world.headers("owner"),
    )
    assert too_late.status_code == 422 and too_late.json()["code"] == "invalid_expiry"
    unknown_scope = await client.post(
        org_path(world, "/api-keys"),
        json={"name": "x", "scopes": ["everything"]},
        headers=world.headers("owner"),
    )
    assert unknown_scope.status_code == 422
    # The world's key has postings:read only beside organization:read; this one lacks both.
    narrow = await client.post(
        org_path(world, "/api-keys"),
        json={"name": "narrow", "scopes": ["postings:read"]},
        headers=world.headers("owner"),
    )
    as_narrow = {"authorization": f"Bearer {narrow.json()['key']}"}
    denied = await client.get(org_path(world, "/members"), headers=as_narrow)
    assert denied.status_code == 403 and denied.json()["code"] == "insufficient_scope"
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = %s",
            (world.api_key_id,),
        )
    expired = await client.get(
        org_path(world, "/members"), headers={"authorization": f"Bearer {world.api_key}"}
    )
    assert expired.status_code == 401 and expired.json()["code"] == "invalid_api_key"
    forged = await client.get(
        org_path(world, "/members"), headers={"authorization": "Bearer hbk_not-a-real-key"}
    )
    assert forged.status_code == 401


async def test_failed_logins_to_members_are_audited(
    client: httpx.AsyncClient, database_url: str, world: World
) -> None:
    address = f"member-{secrets.token_hex(4)}@example.com"
    await client.post("/v1/auth/signup", json={"email": address, "password": PASSWORD, "name": "M"})
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO organization_members (organization_id, user_id, role) "
            "SELECT %s, id, 'recruiter' FROM users WHERE email = %s",
            (world.organization_id, address),
        )
    try:
        wrong = await client.post(
            "/v1/auth/token", json={"email": address, "password": "not the password at all"}
        )
        assert wrong.status_code == 401
        log = await client.get(org_path(world, "/audit-log"), headers=world.headers("owner"))
        entry = log.json()["items"][0]
        assert entry["action"] == "login.failed" and entry["actor_user_id"] is None
        assert "not the password" not in log.text
    finally:
        with psycopg.connect(database_url) as conn:
            conn.execute("DELETE FROM users WHERE email = %s", (address,))


async def test_lists_page_with_cursors(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers("owner")
    first = await client.get(org_path(world, "/members?limit=3"), headers=headers)
    page = first.json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    assert 'rel="next"' in first.headers["link"]
    rest = await client.get(
        org_path(world, f"/members?limit=3&cursor={page['next_cursor']}"), headers=headers
    )
    seen = [m["user_id"] for m in page["items"]] + [m["user_id"] for m in rest.json()["items"]]
    assert len(seen) == len(set(seen)) == 4
    assert rest.json()["next_cursor"] is None
    bad = await client.get(org_path(world, "/members?cursor=bm9wZQ"), headers=headers)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
    log = await client.get(org_path(world, "/audit-log?cursor=WyJ4Il0"), headers=headers)
    assert log.status_code == 400


async def test_platform_admins_see_every_organization(
    client: httpx.AsyncClient, world: World
) -> None:
    listed = await client.get(
        "/v1/organizations?limit=100", headers=world.headers("platform_admin")
    )
    assert listed.status_code == 200
    members = await client.get(org_path(world, "/members"), headers=world.headers("platform_admin"))
    assert members.status_code == 200
    change = await client.patch(
        org_path(world), json={"name": "Hijacked"}, headers=world.headers("platform_admin")
    )
    assert change.status_code == 403
