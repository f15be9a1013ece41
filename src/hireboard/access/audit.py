"""The per-organization audit log: append-only rows (the app role cannot update or delete)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.actor import Actor
from hireboard.access.context import set_context
from hireboard.kit.request_context import current_request_id


async def record(
    session: AsyncSession,
    organization_id: uuid.UUID,
    action: str,
    actor: Actor | None,
    *,
    target_type: str | None = None,
    target_id: object = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One entry; ``actor`` None is the system (a failed login, a job). Never pass secrets."""
    await session.execute(
        text(
            "INSERT INTO audit_log (organization_id, actor_user_id, actor_api_key_id, action, "
            "target_type, target_id, details, request_id) VALUES (:org, :user, :key, :action, "
            ":target_type, :target_id, CAST(:details AS jsonb), :request_id)"
        ),
        {
            "org": organization_id,
            "user": actor.user_id if actor else None,
            "key": actor.api_key_id if actor else None,
            "action": action,
            "target_type": target_type,
            "target_id": None if target_id is None else str(target_id),
            "details": json.dumps(details or {}),
            "request_id": current_request_id(),
        },
    )


async def record_failed_login(session: AsyncSession, user_id: uuid.UUID) -> None:
    """A failed login to a member's account goes into each of their organizations' logs."""
    await set_context(session, user_id=user_id)
    result = await session.execute(
        text("SELECT organization_id FROM organization_members WHERE user_id = :user"),
        {"user": user_id},
    )
    organization_ids = [uuid.UUID(str(v)) for v in result.scalars()]
    if not organization_ids:
        await set_context(session)
        return
    await set_context(session, organization_ids=organization_ids)
    for organization_id in organization_ids:
        await record(
            session, organization_id, "login.failed", None, target_type="user", target_id=user_id
        )
    await set_context(session)
