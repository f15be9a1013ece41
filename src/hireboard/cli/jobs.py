"""``hireboard worker`` and ``hireboard jobs``: run, inspect and repair background jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.cli.runtime import database, fail, load_settings, owner_url
from hireboard.config import Settings
from hireboard.db import Database
from hireboard.worker import repository
from hireboard.worker.parent import exit_with_parent
from hireboard.worker.runner import DatabaseUnreachable, run_worker

app = typer.Typer(help="Inspect and repair background jobs.", no_args_is_help=True)
T = TypeVar("T")


def worker(
    parent_pid: Annotated[
        int | None, typer.Option(hidden=True, help="Stop when this process (serve) ends.")
    ] = None,
) -> None:
    """Run background-job workers alone (``serve`` runs one too unless --no-worker)."""
    if parent_pid is not None:
        exit_with_parent(parent_pid)  # first: serve may be killed while we start
    with database(load_settings()) as settings:
        try:
            asyncio.run(run_worker(settings, owner_url(settings), parent_pid=parent_pid))
        except DatabaseUnreachable as exc:
            fail(f"the worker stopped: the database is unreachable ({exc})")


def _in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database.connect(settings, owner_url(settings))
        try:
            async with db.write_sessions() as session, session.begin():
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


@app.command()
def failed(task: Annotated[str | None, typer.Option(help="Only this task.")] = None) -> None:
    """List jobs that used up their retries, with their last error."""
    with database(load_settings()) as settings:
        jobs = _in_transaction(settings, lambda s: repository.list_failed(s, task))
    if not jobs:
        typer.echo("no failed jobs")
    for job in jobs:
        when = job.failed_at.isoformat() if job.failed_at else "-"
        typer.echo(f"{job.id}\t{job.task_name}\tattempts={job.attempts}\t{when}\t{job.error or ''}")


@app.command()
def retry(job_id: Annotated[int, typer.Argument(help="A failed job's id.")]) -> None:
    """Queue a failed job again, with a fresh retry budget."""
    _repair(job_id, repository.retry_failed, "queued again")


@app.command()
def discard(job_id: Annotated[int, typer.Argument(help="A failed job's id.")]) -> None:
    """Delete a failed job for good."""
    _repair(job_id, repository.discard_failed, "discarded")


def _repair(job_id: int, action: Callable[[AsyncSession, int], Awaitable[bool]], done: str) -> None:
    with database(load_settings()) as settings:
        if not _in_transaction(settings, lambda session: action(session, job_id)):
            fail(f"no failed job {job_id}")
    typer.echo(f"job {job_id} {done}")
