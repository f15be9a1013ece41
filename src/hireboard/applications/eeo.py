"""Voluntary US equal-opportunity self-identification (EEO-1 style categories).

Stored apart from the application, never part of it or of the pipeline, never used by
matching; organizations see counts only, and only where at least the statistics minimum
sample of applicants share a value (``HIREBOARD_STATS_MIN_SAMPLE``).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import policy
from hireboard.access.actor import Actor
from hireboard.applications.errors import ApplicationNotFound
from hireboard.organizations.errors import OrganizationNotFound

REPORT = policy.Permission("read the self-identification report", policy.MANAGERS)


class SelfIdentification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gender: Literal["female", "male", "non_binary", "decline"] = "decline"
    race_ethnicity: Literal[
        "hispanic_or_latino",
        "white",
        "black_or_african_american",
        "asian",
        "native_hawaiian_or_pacific_islander",
        "american_indian_or_alaska_native",
        "two_or_more",
        "decline",
    ] = "decline"
    veteran_status: Literal["protected_veteran", "not_a_veteran", "decline"] = "decline"
    disability_status: Literal["yes", "no", "decline"] = "decline"


async def put(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, body: SelfIdentification
) -> None:
    user_id = policy.require_user(actor)
    row = (
        await session.execute(
            text("SELECT organization_id, candidate_id FROM applications WHERE id = :id"),
            {"id": application_id},
        )
    ).one_or_none()
    if row is None or row.candidate_id != user_id:
        raise ApplicationNotFound()
    await session.execute(
        text(
            "INSERT INTO self_identifications (application_id, candidate_id, organization_id, "
            "gender, race_ethnicity, veteran_status, disability_status) VALUES (:id, :user, "
            ":org, :gender, :race, :veteran, :disability) ON CONFLICT (application_id) DO UPDATE "
            "SET gender = EXCLUDED.gender, race_ethnicity = EXCLUDED.race_ethnicity, "
            "veteran_status = EXCLUDED.veteran_status, "
            "disability_status = EXCLUDED.disability_status, updated_at = now()"
        ),
        {
            "id": application_id,
            "user": user_id,
            "org": row.organization_id,
            "gender": body.gender,
            "race": body.race_ethnicity,
            "veteran": body.veteran_status,
            "disability": body.disability_status,
        },
    )


async def report(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, min_sample: int
) -> dict[str, Any]:
    policy.authorize(actor, organization_id, REPORT, OrganizationNotFound)
    rows = await session.execute(
        text("SELECT field, value, n FROM self_identification_report(:org) ORDER BY 1, 2"),
        {"org": organization_id},
    )
    fields: dict[str, list[dict[str, Any]]] = {name: [] for name in SelfIdentification.model_fields}
    for row in rows:
        n = int(row.n)
        shown = n >= min_sample
        fields[row.field].append(
            {"value": row.value, "count": n if shown else None, "withheld": not shown}
        )
    return {"min_sample": min_sample, "fields": fields}
