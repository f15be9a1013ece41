"""Notifications about applications, by job."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard import mail
from hireboard.worker import task
from hireboard.worker.registry import job_settings


@task("applications.received", retries=5)
async def received(session: AsyncSession, application_id: str) -> None:
    """Confirms the application to the candidate (runs as the candidate)."""
    settings = job_settings()
    row = (
        await session.execute(
            text(
                "SELECT u.email, p.title FROM applications a JOIN users u ON u.id = a.candidate_id "
                "JOIN postings p ON p.id = a.posting_id WHERE a.id = :id"
            ),
            {"id": uuid.UUID(application_id)},
        )
    ).one_or_none()
    if row is None:
        return
    body = (
        f'Your application for "{row.title}" was received. Follow it at '
        f"{settings.base_url}/v1/applications/{application_id}.\n"
    )
    await mail.send(settings, mail.compose(settings, row.email, "Application received", body))
