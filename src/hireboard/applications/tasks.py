"""Notifications about applications, by job; each respects the recipient's preferences."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.context import set_context
from hireboard.applications import service
from hireboard.identity.keys import load_keys
from hireboard.notifications.service import notify
from hireboard.worker import defer, task
from hireboard.worker.registry import job_settings

_APPLICATION = text(
    "SELECT a.id, a.candidate_id, a.organization_id, a.stage_category, p.title "
    "FROM applications a JOIN postings p ON p.id = a.posting_id WHERE a.id = :id"
)


@task("applications.received", retries=5)
async def received(session: AsyncSession, application_id: str) -> None:
    """Confirms to the candidate and tells the organization's recruiters and managers."""
    settings = job_settings()
    await set_context(session, platform_admin=True)  # the board itself sends these
    row = (await session.execute(_APPLICATION, {"id": uuid.UUID(application_id)})).one_or_none()
    if row is None:
        return
    keys = load_keys(settings)
    link = f"{settings.base_url}/v1/applications/{application_id}"
    await notify(
        session,
        settings,
        keys,
        row.candidate_id,
        "application_updates",
        "Application received",
        f'Your application for "{row.title}" was received. Follow it at {link}.\n',
    )
    members = await session.execute(
        text(
            "SELECT user_id FROM organization_members WHERE organization_id = :org "
            "AND role IN ('owner', 'admin', 'recruiter') "
            # A member who applied is the candidate here, never a reviewer.
            "AND user_id IS DISTINCT FROM :candidate ORDER BY user_id"
        ),
        {"org": row.organization_id, "candidate": row.candidate_id},
    )
    for member in members.scalars().all():
        await notify(
            session,
            settings,
            keys,
            member,
            "new_applications",
            f'New application: "{row.title}"',
            f"A candidate applied. Review the application: {link}\n",
        )


@task("applications.status_changed", retries=5)
async def status_changed(session: AsyncSession, application_id: str) -> None:
    """Tells the candidate the new status (the category only, as they see it)."""
    settings = job_settings()
    await set_context(session, platform_admin=True)
    row = (await session.execute(_APPLICATION, {"id": uuid.UUID(application_id)})).one_or_none()
    if row is None:
        return
    await notify(
        session,
        settings,
        load_keys(settings),
        row.candidate_id,
        "application_updates",
        f'Your application for "{row.title}": {row.stage_category}',
        f'Your application for "{row.title}" is now at: {row.stage_category}. '
        f"Details: {settings.base_url}/v1/applications/{application_id}\n",
    )


@task("applications.rescore", retries=3)
async def rescore(session: AsyncSession, candidate_id: str) -> None:
    """After the candidate changed their profile; acts for the candidate (who deferred it)."""
    await service.rescore_candidate(session, job_settings(), uuid.UUID(candidate_id))


@task("applications.rescore_posting", retries=3)
async def rescore_posting(session: AsyncSession, posting_id: str) -> None:
    """After an edit of what the match score reads (``postings.service.SCORED_FIELDS``)."""
    await service.rescore_posting(session, job_settings(), uuid.UUID(posting_id))


BACKFILL_BATCH = 200


@task("applications.score_missing", retries=3)
async def score_missing(session: AsyncSession, after: str | None = None) -> None:
    """Scores applications from before match scores existed (deferred once by migration
    0019), a batch of candidates per job; the next batch is the next job."""
    last = await service.backfill_scores(
        session, job_settings(), None if after is None else uuid.UUID(after), BACKFILL_BATCH
    )
    if last is not None:
        await defer(session, "applications.score_missing", after=str(last))
