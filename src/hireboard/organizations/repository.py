"""Every SQL statement about organizations, members, invitations, API keys and the audit log.

Each runs under row-level security: the caller's transaction must already act for them
(``access.context``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

_RETURNING_ORG = (
    " RETURNING id, name, slug, website, logo_url, description, headcount, "
    "headcount_by_region, created_at, updated_at"
)
_SELECT_ORG = (
    "SELECT id, name, slug, website, logo_url, description, headcount, headcount_by_region, "
    "created_at, updated_at FROM organizations "
)
# Columns PATCH may set; names never come from the request (parameterised values only).
UPDATABLE = ("name", "slug", "website", "logo_url", "description", "headcount")


async def insert_organization(
    session: AsyncSession, fields: dict[str, Any], created_by: uuid.UUID
) -> Row[Any] | None:
    """None when the slug is taken."""
    result = await session.execute(
        text(
            "INSERT INTO organizations (name, slug, website, logo_url, description, headcount, "
            "headcount_by_region, created_by) VALUES (:name, :slug, :website, :logo_url, "
            ":description, :headcount, CAST(:by_region AS jsonb), :created_by) "
            "ON CONFLICT (slug) DO NOTHING RETURNING id, name, slug, website, logo_url, "
            "description, headcount, headcount_by_region, created_at, updated_at"
        ),
        {
            **{column: fields.get(column) for column in UPDATABLE},
            "by_region": json.dumps(fields.get("headcount_by_region") or {}),
            "created_by": created_by,
        },
    )
    return result.one_or_none()


async def get_organization(session: AsyncSession, organization_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(text(_SELECT_ORG + "WHERE id = :id"), {"id": organization_id})
    return result.one_or_none()


async def list_organizations(
    session: AsyncSession, ids: Sequence[uuid.UUID] | None, after: list[str] | None, limit: int
) -> Sequence[Row[Any]]:
    """The organizations in ``ids`` (all when None), by creation, ``limit + 1`` rows."""
    result = await session.execute(
        text(
            _SELECT_ORG + "WHERE (CAST(:all AS boolean) OR id = ANY(CAST(:ids AS uuid[]))) "
            "AND (CAST(:after_at AS timestamptz) IS NULL "
            "     OR (created_at, id) > (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))) "
            "ORDER BY created_at, id LIMIT :limit"
        ),
        {
            "all": ids is None,
            "ids": [str(i) for i in ids or ()],
            **_after(after),
            "limit": limit + 1,
        },
    )
    return result.all()


async def slug_taken(session: AsyncSession, slug: str, other_than: uuid.UUID | None) -> bool:
    result = await session.execute(
        text("SELECT 1 FROM organizations WHERE slug = :slug AND id IS DISTINCT FROM :id"),
        {"slug": slug, "id": other_than},
    )
    return result.scalar() is not None


async def update_organization(
    session: AsyncSession, organization_id: uuid.UUID, changes: dict[str, Any]
) -> Row[Any] | None:
    assignments = [f"{column} = :{column}" for column in UPDATABLE if column in changes]
    values = {column: changes[column] for column in UPDATABLE if column in changes}
    if "headcount_by_region" in changes:
        assignments.append("headcount_by_region = CAST(:by_region AS jsonb)")
        values["by_region"] = json.dumps(changes["headcount_by_region"] or {})
    assignments.append("updated_at = now()")
    result = await session.execute(
        text(
            # Column names come from UPDATABLE, never from the request.
            f"UPDATE organizations SET {', '.join(assignments)} WHERE id = :id"  # noqa: S608
            + _RETURNING_ORG
        ),
        {**values, "id": organization_id},
    )
    return result.one_or_none()


def _after(after: list[str] | None) -> dict[str, str | None]:
    """Keyset parameters from a decoded cursor: ``(created_at, id)`` of the last row seen."""
    return {"after_at": after[0] if after else None, "after_id": after[1] if after else None}


async def _newest_first(
    session: AsyncSession,
    select: str,
    organization_id: uuid.UUID,
    after: list[str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """An organization's rows of ``select`` (a constant), newest first, ``limit + 1`` of them."""
    result = await session.execute(
        text(
            select + "WHERE organization_id = :org "
            "AND (CAST(:after_at AS timestamptz) IS NULL OR (created_at, id) < "
            "     (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))) "
            "ORDER BY created_at DESC, id DESC LIMIT :limit"
        ),
        {"org": organization_id, **_after(after), "limit": limit + 1},
    )
    return result.all()


# --- members -------------------------------------------------------------------------------

_MEMBER = (
    "SELECT m.user_id, u.name, u.email, m.role, m.created_at AS joined_at "
    "FROM organization_members m JOIN users u ON u.id = m.user_id "
)


async def add_member(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> bool:
    """False when the user is a member already."""
    result = await session.execute(
        text(
            "INSERT INTO organization_members (organization_id, user_id, role) "
            "VALUES (:org, :user, :role) ON CONFLICT DO NOTHING RETURNING user_id"
        ),
        {"org": organization_id, "user": user_id, "role": role},
    )
    return result.scalar() is not None


async def get_member(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Row[Any] | None:
    result = await session.execute(
        text(
            _MEMBER
            + "WHERE m.organization_id = :org AND m.user_id = :user"
            + (" FOR UPDATE OF m" if lock else "")
        ),
        {"org": organization_id, "user": user_id},
    )
    return result.one_or_none()


async def list_members(
    session: AsyncSession, organization_id: uuid.UUID, after: list[str] | None, limit: int
) -> Sequence[Row[Any]]:
    result = await session.execute(
        text(
            _MEMBER + "WHERE m.organization_id = :org "
            "AND (CAST(:after_at AS timestamptz) IS NULL OR (m.created_at, m.user_id) > "
            "     (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))) "
            "ORDER BY m.created_at, m.user_id LIMIT :limit"
        ),
        {
            "org": organization_id,
            **_after(after),
            "limit": limit + 1,
        },
    )
    return result.all()


async def lock_owners(session: AsyncSession, organization_id: uuid.UUID) -> list[uuid.UUID]:
    """The owners, row-locked: concurrent demotions take turns, so one owner always stays."""
    result = await session.execute(
        text(
            "SELECT user_id FROM organization_members WHERE organization_id = :org "
            "AND role = 'owner' ORDER BY user_id FOR UPDATE"
        ),
        {"org": organization_id},
    )
    return [uuid.UUID(str(v)) for v in result.scalars()]


async def set_role(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> None:
    await session.execute(
        text(
            "UPDATE organization_members SET role = :role, updated_at = now() "
            "WHERE organization_id = :org AND user_id = :user"
        ),
        {"org": organization_id, "user": user_id, "role": role},
    )


async def remove_member(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    await session.execute(
        text("DELETE FROM organization_members WHERE organization_id = :org AND user_id = :user"),
        {"org": organization_id, "user": user_id},
    )


# --- invitations ---------------------------------------------------------------------------

_INVITATION = (
    "SELECT id, organization_id, email, role, invited_by, created_at, expires_at, accepted_at, "
    "CASE WHEN accepted_at IS NOT NULL THEN 'accepted' WHEN revoked_at IS NOT NULL "
    "THEN 'revoked' WHEN expires_at <= now() THEN 'expired' ELSE 'pending' END AS status, "
    "token_hash IS NOT NULL AS sent FROM invitations "
)


async def revoke_pending_invitation(
    session: AsyncSession, organization_id: uuid.UUID, email: str
) -> None:
    await session.execute(
        text(
            "UPDATE invitations SET revoked_at = now() WHERE organization_id = :org "
            "AND email = :email AND accepted_at IS NULL AND revoked_at IS NULL"
        ),
        {"org": organization_id, "email": email},
    )


async def insert_invitation(
    session: AsyncSession,
    organization_id: uuid.UUID,
    email: str,
    role: str,
    invited_by: uuid.UUID,
    ttl_s: int,
) -> Row[Any]:
    result = await session.execute(
        text(
            "INSERT INTO invitations (organization_id, email, role, invited_by, expires_at) "
            "VALUES (:org, :email, :role, :by, now() + make_interval(secs => :ttl)) "
            "RETURNING id"
        ),
        {"org": organization_id, "email": email, "role": role, "by": invited_by, "ttl": ttl_s},
    )
    invitation = await get_invitation(session, result.scalar_one())
    assert invitation is not None  # noqa: S101 - just inserted in this transaction
    return invitation


async def get_invitation(session: AsyncSession, invitation_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(text(_INVITATION + "WHERE id = :id"), {"id": invitation_id})
    return result.one_or_none()


async def invitation_by_token_hash(session: AsyncSession, token_hash: str) -> Row[Any] | None:
    result = await session.execute(
        text(_INVITATION + "WHERE token_hash = :hash"), {"hash": token_hash}
    )
    return result.one_or_none()


async def list_invitations(
    session: AsyncSession, organization_id: uuid.UUID, after: list[str] | None, limit: int
) -> Sequence[Row[Any]]:
    return await _newest_first(session, _INVITATION, organization_id, after, limit)


async def set_invitation_token(
    session: AsyncSession, invitation_id: uuid.UUID, token_hash: str
) -> bool:
    """Give a pending, unsent invitation its token; False if it was sent, used or revoked."""
    result = await session.execute(
        text(
            "UPDATE invitations SET token_hash = :hash WHERE id = :id AND token_hash IS NULL "
            "AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id"
        ),
        {"id": invitation_id, "hash": token_hash},
    )
    return result.scalar() is not None


async def accept_invitation(
    session: AsyncSession, invitation_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    """Spend the invitation once; False when it is no longer pending."""
    result = await session.execute(
        text(
            "UPDATE invitations SET accepted_at = now(), accepted_by = :user WHERE id = :id "
            "AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id"
        ),
        {"id": invitation_id, "user": user_id},
    )
    return result.scalar() is not None


async def revoke_invitation(
    session: AsyncSession, organization_id: uuid.UUID, invitation_id: uuid.UUID
) -> Row[Any] | None:
    result = await session.execute(
        text(
            "UPDATE invitations SET revoked_at = coalesce(revoked_at, now()) "
            "WHERE id = :id AND organization_id = :org AND accepted_at IS NULL RETURNING id"
        ),
        {"id": invitation_id, "org": organization_id},
    )
    return result.one_or_none()


# --- API keys ------------------------------------------------------------------------------

_API_KEY = (
    "SELECT id, organization_id, name, prefix, scopes, created_by, created_at, expires_at, "
    "revoked_at, last_used_at FROM api_keys "
)


async def insert_api_key(
    session: AsyncSession,
    organization_id: uuid.UUID,
    name: str,
    prefix: str,
    secret_hash: str,
    scopes: list[str],
    created_by: uuid.UUID,
    expires_at: datetime,
) -> Row[Any]:
    result = await session.execute(
        text(
            "INSERT INTO api_keys (organization_id, name, prefix, secret_hash, scopes, "
            "created_by, expires_at) VALUES (:org, :name, :prefix, :hash, :scopes, :by, "
            ":expires) RETURNING id, organization_id, name, prefix, scopes, created_by, "
            "created_at, expires_at, revoked_at, last_used_at"
        ),
        {
            "org": organization_id,
            "name": name,
            "prefix": prefix,
            "hash": secret_hash,
            "scopes": scopes,
            "by": created_by,
            "expires": expires_at,
        },
    )
    return result.one()


async def list_api_keys(
    session: AsyncSession, organization_id: uuid.UUID, after: list[str] | None, limit: int
) -> Sequence[Row[Any]]:
    return await _newest_first(session, _API_KEY, organization_id, after, limit)


async def get_api_key(
    session: AsyncSession, organization_id: uuid.UUID, key_id: uuid.UUID
) -> Row[Any] | None:
    result = await session.execute(
        text(_API_KEY + "WHERE id = :id AND organization_id = :org"),
        {"id": key_id, "org": organization_id},
    )
    return result.one_or_none()


async def revoke_api_key(
    session: AsyncSession, organization_id: uuid.UUID, key_id: uuid.UUID
) -> Row[Any] | None:
    """The key (revoked now, or earlier); None when the organization has no such key."""
    result = await session.execute(
        text(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) "
            "WHERE id = :id AND organization_id = :org RETURNING id, name, prefix"
        ),
        {"id": key_id, "org": organization_id},
    )
    return result.one_or_none()


# --- audit log -----------------------------------------------------------------------------


async def list_audit_log(
    session: AsyncSession, organization_id: uuid.UUID, before_id: int | None, limit: int
) -> Sequence[Row[Any]]:
    result = await session.execute(
        text(
            "SELECT id, organization_id, action, actor_user_id, actor_api_key_id, target_type, "
            "target_id, details, request_id, created_at FROM audit_log "
            "WHERE organization_id = :org AND (CAST(:before AS bigint) IS NULL OR id < :before) "
            "ORDER BY id DESC LIMIT :limit"
        ),
        {"org": organization_id, "before": before_id, "limit": limit + 1},
    )
    return result.all()
