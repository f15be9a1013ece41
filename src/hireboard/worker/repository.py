"""SQL over the job tables, for the CLI and metrics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class FailedJob(NamedTuple):
    id: int
    task_name: str
    attempts: int
    error: str | None
    failed_at: datetime | None


async def list_failed(session: AsyncSession, task_name: str | None = None) -> Sequence[FailedJob]:
    rows = await session.execute(
        text(
            "SELECT j.id, j.task_name, j.attempts, f.error, f.failed_at "
            "FROM procrastinate_jobs j "
            "LEFT JOIN LATERAL (SELECT error, failed_at FROM job_failures "
            "  WHERE job_id = j.id ORDER BY id DESC LIMIT 1) f ON true "
            "WHERE j.status = 'failed' AND (CAST(:task AS text) IS NULL OR j.task_name = :task) "
            "ORDER BY j.id"
        ),
        {"task": task_name},
    )
    return [FailedJob(*row) for row in rows]


async def retry_failed(session: AsyncSession, job_id: int) -> bool:
    """Queue a failed job again with its full retry budget; False if no such failed job."""
    result = await session.execute(
        text(
            "UPDATE procrastinate_jobs SET status = 'todo', attempts = 0, scheduled_at = now() "
            "WHERE id = :id AND status = 'failed' RETURNING id"
        ),
        {"id": job_id},
    )
    return result.scalar() is not None


async def discard_failed(session: AsyncSession, job_id: int) -> bool:
    """Delete a failed job and its recorded errors; False if no such failed job."""
    result = await session.execute(
        text("DELETE FROM procrastinate_jobs WHERE id = :id AND status = 'failed' RETURNING id"),
        {"id": job_id},
    )
    return result.scalar() is not None


async def counts_by_task(session: AsyncSession) -> Sequence[tuple[str, str, int]]:
    """(task, status, jobs) for queued, running and failed jobs."""
    rows = await session.execute(
        text(
            "SELECT task_name, status::text, count(*) FROM procrastinate_jobs "
            "WHERE status IN ('todo', 'doing', 'failed') GROUP BY 1, 2"
        )
    )
    return [(str(task), str(status), int(n)) for task, status, n in rows]
