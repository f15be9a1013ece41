"""``GET /v1/me/export``: every row about the caller, read through their own RLS context."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import policy
from hireboard.access.actor import Actor
from hireboard.organizations.errors import LastOwner
from hireboard.worker import defer

# (name in the export, SQL over rows the caller owns). Secrets (password hash, token
# hashes, file storage keys) are left out: they are not the user's data but their locks.
_SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "account",
        "SELECT id, email, name, is_platform_admin, email_verified_at, disabled_at, created_at, "
        "updated_at FROM users WHERE id = :user",
    ),
    ("profile", "SELECT * FROM candidate_profiles WHERE user_id = :user"),
    (
        "resumes",
        "SELECT id, filename, content_type, size_bytes, sha256, status, text, proposed_skills, "
        "created_at, parsed_at FROM resumes WHERE user_id = :user ORDER BY created_at",
    ),
    (
        "applications",
        "SELECT id, posting_id, organization_id, resume_id, stage_category AS stage, answers, "
        "cover_letter, consent_version, created_at, updated_at FROM applications "
        "WHERE candidate_id = :user ORDER BY created_at",
    ),
    (
        "application_history",
        "SELECT application_id, from_stage, to_stage, reason, created_at FROM "
        "application_events WHERE candidate_id = :user ORDER BY id",
    ),
    (
        "memberships",
        "SELECT organization_id, role, created_at FROM organization_members WHERE user_id = :user",
    ),
    (
        "self_identifications",
        "SELECT application_id, gender, race_ethnicity, veteran_status, disability_status, "
        "updated_at FROM self_identifications WHERE candidate_id = :user",
    ),
    ("notification_preferences", "SELECT * FROM notification_preferences WHERE user_id = :user"),
    (
        "sessions",
        "SELECT id, created_at, expires_at, revoked_at FROM auth_sessions WHERE user_id = :user "
        "ORDER BY created_at",
    ),
)


async def export(session: AsyncSession, actor: Actor) -> dict[str, Any]:
    user_id = policy.require_user(actor)
    document: dict[str, Any] = {"format": "hireboard-export/1"}
    for name, sql in _SECTIONS:
        rows = (await session.execute(text(sql), {"user": user_id})).mappings().all()
        values = [dict(row) for row in rows]
        document[name] = values[0] if name in {"account", "profile"} and values else values
        if name == "profile" and not values:
            document[name] = None
    return document


async def erase(session: AsyncSession, actor: Actor) -> None:
    """Erase the caller: applications anonymised (organizations keep their stages), the
    account and everything hanging off it deleted, and the deletion of their files queued
    in the same transaction. The last owner of an organization must hand it over first."""
    user_id = policy.require_user(actor)
    sole = await session.scalar(
        text(
            "SELECT m.organization_id FROM organization_members m WHERE m.user_id = :user "
            "AND m.role = 'owner' AND NOT EXISTS (SELECT 1 FROM organization_members o "
            "WHERE o.organization_id = m.organization_id AND o.role = 'owner' "
            "AND o.user_id <> :user) LIMIT 1"
        ),
        {"user": user_id},
    )
    if sole is not None:
        raise LastOwner(f"Make someone else an owner of organization {sole} first.")
    keys = (
        (
            await session.execute(
                text("SELECT storage_key FROM resumes WHERE user_id = :user"), {"user": user_id}
            )
        )
        .scalars()
        .all()
    )
    await session.execute(text("SELECT erase_candidate(:user)"), {"user": user_id})
    await session.execute(text("DELETE FROM users WHERE id = :user"), {"user": user_id})
    for key in keys:
        await defer(session, "candidates.delete_file", storage_key=str(key))
