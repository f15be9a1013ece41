"""Deferring a job inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.kit.request_context import current_request_id
from hireboard.observability.tracing import inject_context
from hireboard.worker.registry import task_queue

# procrastinate's own SQL entry point, called on the session's connection so the job row
# commits or rolls back with everything else the request wrote.
# The job also records who the transaction acts for (row-level security), read from the
# session's own settings, and the worker acts for them too (worker.registry).
_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, "
    ":queueing_lock, CAST(:args AS jsonb) || jsonb_build_object('_acting', jsonb_build_object("
    "'user_id', current_setting('app.user_id', true), "
    "'org_ids', current_setting('app.org_ids', true), "
    "'platform_admin', current_setting('app.platform_admin', true))), "
    ":scheduled_at)::procrastinate_job_to_defer_v1])"
)


async def defer(
    session: AsyncSession,
    task_name: str,
    *,
    lock: str | None = None,
    queueing_lock: str | None = None,
    scheduled_at: datetime | None = None,
    priority: int = 0,
    **args: Any,
) -> int:
    """Write the job in the session's transaction; returns its id. ``args`` must be JSON."""
    meta: dict[str, str] = {}
    request_id = current_request_id()
    if request_id is not None:
        meta["request_id"] = request_id
    inject_context(meta)
    result = await session.execute(
        _DEFER,
        {
            "queue": task_queue(task_name),
            "task": task_name,
            "priority": priority,
            "lock": lock,
            "queueing_lock": queueing_lock,
            "args": json.dumps({**args, "_meta": meta}),
            "scheduled_at": scheduled_at,
        },
    )
    ids: list[int] = result.scalar_one()
    return ids[0]
