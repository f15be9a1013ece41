"""Retention: candidates inactive for the retention period have their applications
anonymised (their account stays; they may log in and apply again)."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.context import set_context
from hireboard.worker import task
from hireboard.worker.registry import job_settings

logger = logging.getLogger("hireboard.privacy")


@task("privacy.retention", schedule="23 3 * * *", retries=2)
async def retention(session: AsyncSession, timestamp: int) -> None:
    days = job_settings().candidate_retention_days
    await set_context(session, platform_admin=True)  # the board acts here, for everyone
    result = await session.execute(
        text(
            "SELECT sum(erase_candidate(u.id)) FROM users u "
            "WHERE u.created_at < now() - make_interval(days => :days) "
            "AND EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = u.id) "
            "AND NOT EXISTS (SELECT 1 FROM auth_sessions s WHERE s.user_id = u.id "
            "AND s.created_at >= now() - make_interval(days => :days))"
        ),
        {"days": days},
    )
    logger.info("retention applied", extra={"anonymised": int(result.scalar() or 0)})
