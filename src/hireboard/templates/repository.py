"""Every SQL statement about templates and their versions (under row-level security)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

_TEMPLATE = (
    "SELECT t.id, t.organization_id, t.builtin_id, t.role_family, t.title, "
    "t.current_version AS version, t.copied_from, t.created_at, t.updated_at, v.content "
    "FROM job_templates t JOIN job_template_versions v "
    "ON v.template_id = t.id AND v.version = t.current_version "
)


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


async def get_template(session: AsyncSession, template_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(text(_TEMPLATE + "WHERE t.id = :id"), {"id": template_id})
    return result.one_or_none()


async def get_builtin(session: AsyncSession, builtin_id: str) -> Row[Any] | None:
    result = await session.execute(
        text(_TEMPLATE + "WHERE t.builtin_id = :builtin"), {"builtin": builtin_id}
    )
    return result.one_or_none()


async def list_templates(
    session: AsyncSession,
    organization_id: uuid.UUID | None,
    role_family: str | None,
    after: list[str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Built-ins and the organizations the session may see; built-ins first, by title."""
    result = await session.execute(
        text(
            _TEMPLATE + "WHERE (CAST(:org AS uuid) IS NULL OR t.organization_id = :org) "
            "AND (CAST(:family AS text) IS NULL OR t.role_family = :family) "
            "AND (CAST(:after_key AS text) IS NULL OR "
            "     (t.organization_id IS NOT NULL, t.title, t.id::text) > "
            "     (CAST(:after_scope AS boolean), CAST(:after_key AS text), "
            "      CAST(:after_id AS text))) "
            "ORDER BY t.organization_id IS NOT NULL, t.title, t.id::text LIMIT :limit"
        ),
        {
            "org": organization_id,
            "family": role_family,
            "after_scope": after[0] if after else None,
            "after_key": after[1] if after else None,
            "after_id": after[2] if after else None,
            "limit": limit + 1,
        },
    )
    return result.all()


async def insert_template(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID | None,
    builtin_id: str | None,
    content: dict[str, Any],
    copied_from: uuid.UUID | None,
    created_by: uuid.UUID | None,
) -> uuid.UUID:
    result = await session.execute(
        text(
            "INSERT INTO job_templates (organization_id, builtin_id, role_family, title, "
            "copied_from, created_by) VALUES (:org, :builtin, :family, :title, :copied, :by) "
            "RETURNING id"
        ),
        {
            "org": organization_id,
            "builtin": builtin_id,
            "family": content["role_family"],
            "title": content["title"],
            "copied": copied_from,
            "by": created_by,
        },
    )
    template_id = uuid.UUID(str(result.scalar_one()))
    await _insert_version(session, template_id, 1, organization_id, content, created_by)
    return template_id


async def add_version(
    session: AsyncSession,
    template_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    content: dict[str, Any],
    created_by: uuid.UUID | None,
) -> int:
    """The template's next version, made current; row-locked so concurrent edits queue."""
    result = await session.execute(
        text(
            "UPDATE job_templates SET current_version = current_version + 1, title = :title, "
            "role_family = :family, updated_at = now() WHERE id = :id RETURNING current_version"
        ),
        {"id": template_id, "title": content["title"], "family": content["role_family"]},
    )
    version = int(result.scalar_one())
    await _insert_version(session, template_id, version, organization_id, content, created_by)
    return version


async def _insert_version(
    session: AsyncSession,
    template_id: uuid.UUID,
    version: int,
    organization_id: uuid.UUID | None,
    content: dict[str, Any],
    created_by: uuid.UUID | None,
) -> None:
    await session.execute(
        text(
            "INSERT INTO job_template_versions (template_id, version, organization_id, content, "
            "content_hash, created_by) VALUES (:id, :version, :org, CAST(:content AS jsonb), "
            ":hash, :by)"
        ),
        {
            "id": template_id,
            "version": version,
            "org": organization_id,
            "content": json.dumps(content),
            "hash": content_hash(content),
            "by": created_by,
        },
    )


async def list_versions(session: AsyncSession, template_id: uuid.UUID) -> Sequence[Row[Any]]:
    result = await session.execute(
        text(
            "SELECT version, created_by, created_at, content->>'title' AS title "
            "FROM job_template_versions WHERE template_id = :id ORDER BY version DESC"
        ),
        {"id": template_id},
    )
    return result.all()


async def get_version(
    session: AsyncSession, template_id: uuid.UUID, version: int
) -> Row[Any] | None:
    result = await session.execute(
        text(
            "SELECT version, created_by, created_at, content FROM job_template_versions "
            "WHERE template_id = :id AND version = :version"
        ),
        {"id": template_id, "version": version},
    )
    return result.one_or_none()


async def builtin_hashes(session: AsyncSession) -> dict[str, tuple[uuid.UUID, str]]:
    """Each built-in's id and the hash of its current content."""
    result = await session.execute(
        text(
            "SELECT t.builtin_id, t.id, v.content_hash FROM job_templates t "
            "JOIN job_template_versions v ON v.template_id = t.id "
            "AND v.version = t.current_version WHERE t.builtin_id IS NOT NULL"
        )
    )
    return {row.builtin_id: (row.id, row.content_hash) for row in result}
