"""Scheduled expiry of postings past their deadline, and the takedown notice."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hireboard import mail
from hireboard.access.context import set_context
from hireboard.postings import repository, service
from hireboard.worker import task
from hireboard.worker.registry import job_settings

logger = logging.getLogger("hireboard.postings")


@task("postings.expire", schedule="* * * * *", retries=0)
async def expire(session: AsyncSession, timestamp: int) -> None:
    """Every minute: published postings whose ``closes_at`` has passed become expired."""
    # The board itself acts here, for every organization: the operator's explicit policy.
    await set_context(session, platform_admin=True)
    expired = await repository.expire_due(session)
    for row in expired:
        await repository.add_history(
            session,
            row.id,
            row.organization_id,
            "expired",
            {"status": {"from": "published", "to": "expired"}, "closes_at": str(row.closes_at)},
            user_id=None,
            api_key_id=None,
        )
        logger.info("posting expired", extra={"posting_id": str(row.id)})
    await service.forget_public(session, [row.id for row in expired])


@task("postings.refresh_lexicon", schedule="23 * * * *", retries=1)
async def refresh_lexicon(session: AsyncSession, timestamp: int) -> None:
    """Every hour: the search lexicon's counts made exact and its unused words dropped
    (publishes only add words, so that they never wait on one another's lexicon rows)."""
    changed = await repository.refresh_lexicon(session, job_settings().lexicon_refresh_timeout_ms)
    logger.info("search lexicon refreshed", extra={"changed": changed})


@task("postings.takedown_email", retries=5)
async def takedown_email(session: AsyncSession, posting_id: str) -> None:
    """Tells the organization's owners and admins (runs as the admin who took it down)."""
    settings = job_settings()
    row = await repository.get(session, uuid.UUID(posting_id))
    if row is None:
        return
    body = (
        f'The posting "{row.title}" ({settings.base_url}/v1/postings/{row.id}) was removed by '
        "the board's moderators and no longer appears in search or feeds. Reply to this "
        "email if you think this is a mistake.\n"
    )
    for address in await repository.managers_emails(session, row.organization_id):
        await mail.send(
            settings, mail.compose(settings, address, "A posting was removed from hireboard", body)
        )
