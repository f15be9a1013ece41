"""Tasks the job tests defer; real worker processes load them via HIREBOARD_WORKER_TASK_MODULES."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.kit.request_context import current_request_id
from hireboard.worker import task


async def _record(session: AsyncSession, name: str) -> None:
    # Idempotent: running the job twice records it once.
    await session.execute(
        text(
            "INSERT INTO scratch_items (name) SELECT :n "
            "WHERE NOT EXISTS (SELECT 1 FROM scratch_items WHERE name = :n)"
        ),
        {"n": name},
    )


@task("test.record", retries=0)
async def record(session: AsyncSession, marker: str) -> None:
    await _record(session, f"{marker}|{current_request_id()}")


@task("test.always_fails", retries=2, backoff_s=1)
async def always_fails(session: AsyncSession, marker: str) -> None:
    raise RuntimeError(f"cannot do {marker}")


@task("test.slow", retries=0)
async def slow(session: AsyncSession, marker: str, flags: str) -> None:
    """Announces it started; finishes at once only when released, else takes a minute."""
    started, release = Path(flags) / "started", Path(flags) / "release"
    started.write_text("yes")
    for _ in range(600):
        if release.exists():
            break
        await asyncio.sleep(0.1)
    await _record(session, marker)
