"""Keep the database's built-in templates equal to the catalog shipped in the package.

Runs at every start, serialised by an advisory lock (several server processes may start
together). A changed catalog file becomes a new version; an unchanged one costs nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hireboard.access.context import set_context
from hireboard.db import Database
from hireboard.templates import repository
from hireboard.templates.catalog import builtin_templates
from hireboard.templates.service import announce_changed

logger = logging.getLogger("hireboard.templates")
_LOCK = 0x7E4D_0007  # an arbitrary, fixed advisory-lock key for this sync


async def sync_builtin_templates(database: Database) -> int:
    """Insert or update built-ins; returns how many changed. Skipped before migrations, and
    when the database is down (the server still starts; /readyz reports it)."""
    try:
        return await _sync(database)
    except (DBAPIError, OSError) as exc:
        logger.warning("built-in templates not synced", extra={"error": type(exc).__name__})
        return 0


async def _sync(database: Database) -> int:
    async with database.write_sessions() as session, session.begin():
        present = await session.scalar(text("SELECT to_regclass('job_templates') IS NOT NULL"))
        if not present:
            logger.warning("templates table missing; run migrations (built-ins not synced)")
            return 0
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        # Built-ins belong to no organization: only the operator's policy may write them.
        await set_context(session, platform_admin=True)
        stored = await repository.builtin_hashes(session)
        changed = 0
        for builtin_id, template in builtin_templates().items():
            content = template.model_dump(mode="json")
            known = stored.get(builtin_id)
            if known is None:
                await repository.insert_template(
                    session,
                    organization_id=None,
                    builtin_id=builtin_id,
                    content=content,
                    copied_from=None,
                    created_by=None,
                )
            elif known[1] != repository.content_hash(content):
                await repository.add_version(session, known[0], None, content, None)
                # Processes still serving the old version drop its renderings at commit.
                await announce_changed(session, known[0], builtin_id)
            else:
                continue
            changed += 1
        if changed:
            logger.info("built-in templates synced", extra={"changed": changed})
        return changed
