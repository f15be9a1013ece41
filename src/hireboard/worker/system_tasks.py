"""Housekeeping jobs of the service itself."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.kit import idempotency
from hireboard.worker.registry import task

logger = logging.getLogger("hireboard.worker")


@task("idempotency.purge_expired", schedule="17 * * * *", retries=2)
async def purge_expired_idempotency_keys(session: AsyncSession, timestamp: int) -> None:
    """Hourly: forget idempotency keys older than their 24-hour lifetime (safe to repeat)."""
    removed = await idempotency.purge_expired(session)
    logger.info(
        "purged expired idempotency keys", extra={"removed": removed, "scheduled_for": timestamp}
    )
