"""A small world of users and organizations, written as the schema owner for speed.

Each ``World`` is fresh (its own organizations and users), so tests that change things do
not disturb each other. Tokens are real access tokens of real sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from fastapi import FastAPI

from hireboard.config import Settings
from hireboard.identity.keys import SigningKeys
from hireboard.identity.tokens import issue_access_token

CALLERS = (
    "anonymous",
    "candidate",
    "outsider",  # an owner of another organization
    "platform_admin",
    "owner",
    "admin",
    "recruiter",
    "hiring_manager",
)
ROLES = ("owner", "admin", "recruiter", "hiring_manager")


@dataclass
class World:
    organization_id: uuid.UUID
    other_organization_id: uuid.UUID
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    invitation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    invitation_token: str = ""
    api_key_id: uuid.UUID = field(default_factory=uuid.uuid4)
    api_key: str = ""

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "anonymous":
            return {}
        return {"authorization": f"Bearer {self.tokens[caller]}"}

    def email(self, caller: str) -> str:
        return f"{caller}-{self.organization_id.hex[:8]}@example.com"


def build_world(app: FastAPI, database_url: str, *, verified: bool = True) -> World:
    """A world whose tokens ``app`` accepts (its lifespan must be running)."""
    return build_world_with(app.state.settings, app.state.identity.keys, database_url, verified)


def build_world_with(
    settings: Settings, keys: SigningKeys, database_url: str, verified: bool = True
) -> World:
    world = World(organization_id=uuid.uuid4(), other_organization_id=uuid.uuid4())
    tag = world.organization_id.hex[:8]
    with psycopg.connect(database_url) as conn:
        for org_id, name in (
            (world.organization_id, "Acme"),
            (world.other_organization_id, "Globex"),
        ):
            conn.execute(
                "INSERT INTO organizations (id, name, slug, headcount) VALUES (%s, %s, %s, 40)",
                (org_id, f"{name} {tag}", f"{name.lower()}-{tag}"),
            )
        for caller in CALLERS[1:]:
            user_id = uuid.uuid4()
            world.users[caller] = user_id
            conn.execute(
                "INSERT INTO users (id, email, name, password_hash, is_platform_admin, "
                "email_verified_at) VALUES (%s, %s, %s, 'x', %s, %s)",
                (
                    user_id,
                    world.email(caller),
                    caller.replace("_", " ").title(),
                    caller == "platform_admin",
                    datetime.now(UTC) if verified else None,
                ),
            )
            session_id = conn.execute(
                "INSERT INTO auth_sessions (user_id, expires_at) VALUES (%s, now() + "
                "interval '1 hour') RETURNING id",
                (user_id,),
            ).fetchone()
            assert session_id is not None
            world.tokens[caller] = issue_access_token(keys, settings, user_id, session_id[0])
            if caller in ROLES:
                conn.execute(
                    "INSERT INTO organization_members (organization_id, user_id, role) "
                    "VALUES (%s, %s, %s)",
                    (world.organization_id, user_id, caller),
                )
        conn.execute(
            "INSERT INTO organization_members (organization_id, user_id, role) "
            "VALUES (%s, %s, 'owner')",
            (world.other_organization_id, world.users["outsider"]),
        )
        world.invitation_token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO invitations (id, organization_id, email, role, token_hash, invited_by, "
            "expires_at) VALUES (%s, %s, %s, 'recruiter', %s, %s, %s)",
            (
                world.invitation_id,
                world.organization_id,
                world.email("candidate"),
                hashlib.sha256(world.invitation_token.encode()).hexdigest(),
                world.users["owner"],
                datetime.now(UTC) + timedelta(days=1),
            ),
        )
        world.api_key = "hbk_" + secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO api_keys (id, organization_id, name, prefix, secret_hash, scopes, "
            "created_by, expires_at) VALUES (%s, %s, 'ci', %s, %s, %s, %s, %s)",
            (
                world.api_key_id,
                world.organization_id,
                world.api_key[:12],
                hashlib.sha256(world.api_key.encode()).hexdigest(),
                ["organization:read", "postings:read"],
                world.users["owner"],
                datetime.now(UTC) + timedelta(days=1),
            ),
        )
    return world


def snapshot(database_url: str, world: World) -> tuple[object, ...]:
    """Everything the world's organizations own, to prove a refused request changed nothing."""
    orgs = (world.organization_id, world.other_organization_id)
    with psycopg.connect(database_url) as conn:
        return tuple(
            conn.execute(query, (list(orgs),)).fetchall()
            for query in (
                "SELECT * FROM organizations WHERE id = ANY(%s) ORDER BY id",
                "SELECT * FROM organization_members WHERE organization_id = ANY(%s) "
                "ORDER BY organization_id, user_id",
                "SELECT id, email, role, accepted_at, revoked_at FROM invitations "
                "WHERE organization_id = ANY(%s) ORDER BY id",
                "SELECT id, name, scopes, revoked_at FROM api_keys "
                "WHERE organization_id = ANY(%s) ORDER BY id",
                "SELECT id, action FROM audit_log WHERE organization_id = ANY(%s) ORDER BY id",
            )
        )
