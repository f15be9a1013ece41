"""The SQL authentication needs: the caller's live session with its memberships, API keys."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession


async def live_user(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID
) -> Row[Any] | None:
    """The user behind a live session with their roles; needs ``app.user_id`` set to them."""
    result = await session.execute(
        text(
            "SELECT u.is_platform_admin, u.email_verified_at IS NOT NULL AS email_verified, "
            "coalesce((SELECT jsonb_object_agg(m.organization_id, m.role) "
            "  FROM organization_members m WHERE m.user_id = u.id), '{}') AS roles "
            "FROM auth_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.id = :sid AND s.user_id = :uid AND s.revoked_at IS NULL "
            "AND s.expires_at > now() AND u.disabled_at IS NULL"
        ),
        {"sid": session_id, "uid": user_id},
    )
    return result.one_or_none()


async def api_key_by_hash(
    session: AsyncSession, secret_hash: str, touch_interval_s: int
) -> Row[Any] | None:
    """The key whose secret hashes to ``secret_hash`` (visible once it is presented)."""
    result = await session.execute(
        text(
            "SELECT id, organization_id, scopes, revoked_at, expires_at <= now() AS expired, "
            "last_used_at IS NULL OR last_used_at < now() - make_interval(secs => :touch) "
            "  AS stale "
            "FROM api_keys WHERE secret_hash = :hash"
        ),
        {"hash": secret_hash, "touch": touch_interval_s},
    )
    return result.one_or_none()


async def touch_api_key(session: AsyncSession, secret_hash: str) -> None:
    await session.execute(
        text("UPDATE api_keys SET last_used_at = now() WHERE secret_hash = :hash"),
        {"hash": secret_hash},
    )
