"""The demo set, loaded by a worker so that ``serve`` is ready at once on first start."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.seed.load import load_demo
from hireboard.worker import task

logger = logging.getLogger("hireboard.seed")
DEMO_POSTINGS = 3000


@task("seed.demo", retries=0)
async def demo(session: AsyncSession, postings: int = DEMO_POSTINGS) -> None:
    """Loads the demo set into a database without organizations; does nothing otherwise."""
    if await session.scalar(text("SELECT EXISTS (SELECT 1 FROM organizations)")):
        logger.info("demo data skipped: the database already has organizations")
        return
    loaded = await load_demo(session, postings)
    logger.info("demo data loaded", extra={"postings": loaded})
