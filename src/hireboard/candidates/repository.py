"""Every SQL statement about profiles and resumes (the caller's own rows, through RLS)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

_RESUME = (
    "SELECT id, user_id, filename, content_type, size_bytes, sha256, storage_key, status, "
    "proposed_skills, error, created_at, parsed_at FROM resumes "
)


async def get_profile(session: AsyncSession, user_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(
        text("SELECT * FROM candidate_profiles WHERE user_id = :user"), {"user": user_id}
    )
    return result.one_or_none()


async def put_profile(session: AsyncSession, user_id: uuid.UUID, profile: dict[str, Any]) -> None:
    await session.execute(
        text(
            "INSERT INTO candidate_profiles (user_id, headline, skills, desired_levels, "
            "desired_role_families, locations, desired_workplace_types, pay_expectation, "
            "visibility) VALUES (:user, :headline, CAST(:skills AS jsonb), :levels, :families, "
            "CAST(:locations AS jsonb), :workplaces, CAST(:pay AS jsonb), :visibility) "
            "ON CONFLICT (user_id) DO UPDATE SET headline = EXCLUDED.headline, "
            "skills = EXCLUDED.skills, desired_levels = EXCLUDED.desired_levels, "
            "desired_role_families = EXCLUDED.desired_role_families, "
            "locations = EXCLUDED.locations, "
            "desired_workplace_types = EXCLUDED.desired_workplace_types, "
            "pay_expectation = EXCLUDED.pay_expectation, visibility = EXCLUDED.visibility, "
            "updated_at = now()"
        ),
        {
            "user": user_id,
            "headline": profile["headline"],
            "skills": json.dumps(profile["skills"]),
            "levels": profile["desired_levels"],
            "families": profile["desired_role_families"],
            "locations": json.dumps(profile["locations"]),
            "workplaces": profile["desired_workplace_types"],
            "pay": json.dumps(profile["pay_expectation"]),
            "visibility": profile["visibility"],
        },
    )


async def add_resume(
    session: AsyncSession,
    user_id: uuid.UUID,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    key: str,
) -> Row[Any]:
    result = await session.execute(
        text(
            "INSERT INTO resumes (user_id, filename, content_type, size_bytes, sha256, "
            "storage_key) VALUES (:user, :filename, :type, :size, :sha, :key) RETURNING id"
        ),
        {
            "user": user_id,
            "filename": filename,
            "type": content_type,
            "size": size,
            "sha": sha256,
            "key": key,
        },
    )
    row = await get_resume(session, uuid.UUID(str(result.scalar_one())))
    assert row is not None  # noqa: S101 - inserted in this transaction
    return row


async def get_resume(session: AsyncSession, resume_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(text(_RESUME + "WHERE id = :id"), {"id": resume_id})
    return result.one_or_none()


async def list_resumes(session: AsyncSession, user_id: uuid.UUID) -> Sequence[Row[Any]]:
    result = await session.execute(
        text(_RESUME + "WHERE user_id = :user ORDER BY created_at DESC, id"), {"user": user_id}
    )
    return result.all()


async def delete_resume(session: AsyncSession, resume_id: uuid.UUID) -> None:
    await session.execute(text("DELETE FROM resumes WHERE id = :id"), {"id": resume_id})


async def set_parsed(
    session: AsyncSession,
    resume_id: uuid.UUID,
    *,
    status: str,
    body: str | None,
    skills: list[str],
    error: str | None,
) -> None:
    await session.execute(
        text(
            "UPDATE resumes SET status = :status, text = :text, proposed_skills = :skills, "
            "error = :error, parsed_at = now() WHERE id = :id"
        ),
        {"id": resume_id, "status": status, "text": body, "skills": skills, "error": error},
    )
