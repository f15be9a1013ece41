"""Every SQL statement about postings, their history and reports (under row-level security)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# Columns the API writes; names never come from a request.
COLUMNS = (
    "title",
    "role_family",
    "level",
    "employment_type",
    "workplace_type",
    "remote_from",
    "locations",
    "countries",
    "description",
    "required_skills",
    "nice_to_have_skills",
    "years_experience",
    "benefits",
    "closes_at",
    "apply_url",
    "vacancy_exists",
    "ai_screening",
    "pay_ranges",
    "annualisation_factors",
    "pay_currency",
    "pay_min_annual",
    "pay_max_annual",
    "template_id",
    "template_version",
    "questions",
)
JSON_COLUMNS = frozenset({"locations", "pay_ranges", "annualisation_factors", "questions"})

SELECT = (
    "SELECT p.id, p.organization_id, p.status, p.title, p.role_family, p.level, "
    "p.employment_type, p.workplace_type, p.remote_from, p.locations, p.countries, "
    "p.description, p.required_skills, p.nice_to_have_skills, p.years_experience, "
    "p.benefits, p.closes_at, p.apply_url, p.vacancy_exists, p.ai_screening, p.pay_ranges, "
    "p.annualisation_factors, p.pay_currency, p.pay_min_annual, p.pay_max_annual, "
    "p.template_id, p.template_version, p.questions, p.published_at, p.closed_at, p.removed_at, "
    "p.created_at, p.updated_at, o.name AS organization_name, o.website AS organization_website, "
    "o.logo_url AS organization_logo_url, o.headcount AS organization_headcount "
    "FROM postings p JOIN organizations o ON o.id = p.organization_id "
)


def _value(column: str, value: Any) -> Any:
    return json.dumps(value) if column in JSON_COLUMNS else value


def _placeholder(column: str) -> str:
    return f"CAST(:{column} AS jsonb)" if column in JSON_COLUMNS else f":{column}"


async def insert(
    session: AsyncSession, organization_id: uuid.UUID, fields: dict[str, Any], by: uuid.UUID | None
) -> uuid.UUID:
    columns = [c for c in COLUMNS if c in fields]
    result = await session.execute(
        text(
            # Column names come from COLUMNS, never from the request.
            f"INSERT INTO postings (organization_id, created_by, {', '.join(columns)}) "  # noqa: S608
            f"VALUES (:organization_id, :created_by, {', '.join(map(_placeholder, columns))}) "
            "RETURNING id"
        ),
        {
            "organization_id": organization_id,
            "created_by": by,
            **{c: _value(c, fields[c]) for c in columns},
        },
    )
    return uuid.UUID(str(result.scalar_one()))


async def update(session: AsyncSession, posting_id: uuid.UUID, fields: dict[str, Any]) -> None:
    columns = [c for c in COLUMNS if c in fields]
    if not columns:
        return
    assignments = ", ".join(f"{c} = {_placeholder(c)}" for c in columns)
    await session.execute(
        text(f"UPDATE postings SET {assignments}, updated_at = now() WHERE id = :id"),  # noqa: S608
        {"id": posting_id, **{c: _value(c, fields[c]) for c in columns}},
    )


async def get(
    session: AsyncSession, posting_id: uuid.UUID, *, lock: bool = False
) -> Row[Any] | None:
    result = await session.execute(
        text(SELECT + "WHERE p.id = :id" + (" FOR UPDATE OF p" if lock else "")),
        {"id": posting_id},
    )
    return result.one_or_none()


async def set_status(
    session: AsyncSession, posting_id: uuid.UUID, status: str, *, stamp: str | None = None
) -> None:
    """``stamp``: the timestamp column this transition sets (published_at keeps the first)."""
    stamps = {
        "published_at": "published_at = coalesce(published_at, now()), closed_at = NULL, ",
        "closed_at": "closed_at = now(), ",
        "removed_at": "removed_at = now(), ",
    }
    await session.execute(
        text(
            f"UPDATE postings SET status = :status, {stamps.get(stamp or '', '')}"  # noqa: S608
            "updated_at = now() WHERE id = :id"
        ),
        {"id": posting_id, "status": status},
    )


async def list_for_organization(
    session: AsyncSession,
    organization_id: uuid.UUID,
    statuses: list[str] | None,
    after: list[str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    result = await session.execute(
        text(
            SELECT + "WHERE p.organization_id = :org "
            "AND (CAST(:statuses AS text[]) IS NULL OR p.status = ANY(CAST(:statuses AS text[]))) "
            "AND (CAST(:after_at AS timestamptz) IS NULL OR (p.created_at, p.id) < "
            "     (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))) "
            "ORDER BY p.created_at DESC, p.id DESC LIMIT :limit"
        ),
        {
            "org": organization_id,
            "statuses": statuses,
            "after_at": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": limit + 1,
        },
    )
    return result.all()


async def add_history(
    session: AsyncSession,
    posting_id: uuid.UUID,
    organization_id: uuid.UUID,
    action: str,
    changes: dict[str, Any],
    *,
    user_id: uuid.UUID | None,
    api_key_id: uuid.UUID | None,
) -> None:
    await session.execute(
        text(
            "INSERT INTO posting_history (posting_id, organization_id, action, actor_user_id, "
            "actor_api_key_id, changes) VALUES (:posting, :org, :action, :user, :key, "
            "CAST(:changes AS jsonb))"
        ),
        {
            "posting": posting_id,
            "org": organization_id,
            "action": action,
            "user": user_id,
            "key": api_key_id,
            "changes": json.dumps(changes, default=str),
        },
    )


async def history(session: AsyncSession, posting_id: uuid.UUID) -> Sequence[Row[Any]]:
    result = await session.execute(
        text(
            "SELECT id, action, actor_user_id, actor_api_key_id, changes, created_at "
            "FROM posting_history WHERE posting_id = :id ORDER BY id"
        ),
        {"id": posting_id},
    )
    return result.all()


async def add_report(
    session: AsyncSession,
    posting_id: uuid.UUID,
    reporter: uuid.UUID,
    reason: str,
    details: str | None,
) -> Row[Any]:
    result = await session.execute(
        text(
            "INSERT INTO posting_reports (posting_id, reporter_id, reason, details) "
            "VALUES (:posting, :reporter, :reason, :details) "
            "RETURNING id, posting_id, reason, details, created_at"
        ),
        {"posting": posting_id, "reporter": reporter, "reason": reason, "details": details},
    )
    return result.one()


async def get_report(
    session: AsyncSession, posting_id: uuid.UUID, report_id: uuid.UUID
) -> Row[Any] | None:
    """Row-level security shows a report to its reporter and platform admins only."""
    result = await session.execute(
        text(
            "SELECT id, posting_id, reason, details, created_at FROM posting_reports "
            "WHERE posting_id = :posting AND id = :id"
        ),
        {"posting": posting_id, "id": report_id},
    )
    return result.one_or_none()


async def expire_due(session: AsyncSession) -> Sequence[Row[Any]]:
    """Published postings past their deadline become expired; the ones changed."""
    result = await session.execute(
        text(
            "UPDATE postings SET status = 'expired', updated_at = now() "
            "WHERE status = 'published' AND closes_at <= now() "
            "RETURNING id, organization_id, closes_at"
        )
    )
    return result.all()


async def managers_emails(session: AsyncSession, organization_id: uuid.UUID) -> list[str]:
    result = await session.execute(
        text(
            "SELECT u.email FROM organization_members m JOIN users u ON u.id = m.user_id "
            "WHERE m.organization_id = :org AND m.role IN ('owner', 'admin') ORDER BY u.email"
        ),
        {"org": organization_id},
    )
    return [str(v) for v in result.scalars()]


async def refresh_lexicon(session: AsyncSession, timeout_ms: int) -> int:
    """Recounts the search lexicon (migration 0021); it reads every published posting, so
    it runs under its own statement timeout. Returns the lexicon rows changed."""
    await session.execute(
        text("SELECT set_config('statement_timeout', :t, true)"), {"t": str(timeout_ms)}
    )
    return int(await session.scalar(text("SELECT search_lexicon_refresh()")) or 0)


# --- stored public renderings (migration 0022) ---------------------------------------------

# Which stored rendering a public read wants; the columns come from here, never a request.
RENDERINGS = {"document": ("document", "document_etag"), "jsonld": ("jsonld", "jsonld_etag")}

_STORE = text(
    "INSERT INTO posting_public (posting_id, organization_id, rendered_from, document, "
    "document_etag, jsonld, jsonld_etag) "
    "VALUES (:id, :organization_id, :rendered_from, :document, :document_etag, :jsonld, "
    ":jsonld_etag) "
    "ON CONFLICT (posting_id) DO UPDATE SET "
    "organization_id = EXCLUDED.organization_id, rendered_from = EXCLUDED.rendered_from, "
    "document = EXCLUDED.document, document_etag = EXCLUDED.document_etag, "
    "jsonld = EXCLUDED.jsonld, jsonld_etag = EXCLUDED.jsonld_etag"
)
_FILL = text(
    "INSERT INTO posting_public (posting_id, organization_id, rendered_from, document, "
    "document_etag, jsonld, jsonld_etag) "
    "SELECT :id, :organization_id, :rendered_from, :document, :document_etag, :jsonld, "
    ":jsonld_etag "
    "WHERE EXISTS (SELECT 1 FROM postings WHERE id = :id AND updated_at = :rendered_from "
    "AND status IN ('published', 'closed', 'expired')) "
    "ON CONFLICT (posting_id) DO NOTHING"
)


async def public_rendering(
    conn: AsyncConnection, posting_id: uuid.UUID, kind: str
) -> Row[Any] | None:
    """The stored ``kind`` rendering: one statement, no transaction. ``body`` is NULL for a
    posting that is not public any more; no row: never rendered (or never public)."""
    body, etag = RENDERINGS[kind]
    result = await conn.execute(
        text(
            f"SELECT {body} AS body, {etag} AS etag, organization_id "  # noqa: S608
            "FROM posting_public WHERE posting_id = :id"
        ),
        {"id": posting_id},
    )
    return result.one_or_none()


async def store_public(session: AsyncSession, values: dict[str, Any]) -> None:
    """The posting's renderings as of this transaction (NULL bodies: not public)."""
    await session.execute(_STORE, values)


async def fill_public(session: AsyncSession, values: dict[str, Any]) -> None:
    """Store renderings made by a read, unless the posting changed since it was read
    (``rendered_from`` is its ``updated_at`` then) or a write stored its own meanwhile (a
    write's uncommitted row makes this wait, then do nothing)."""
    await session.execute(_FILL, values)


async def forget_public(session: AsyncSession, posting_ids: Sequence[uuid.UUID]) -> None:
    await session.execute(
        text("DELETE FROM posting_public WHERE posting_id = ANY(:ids)"), {"ids": list(posting_ids)}
    )
