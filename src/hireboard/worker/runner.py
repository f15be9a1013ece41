"""Running workers: the procrastinate App, stalled-job recovery, graceful stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import procrastinate
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hireboard.config import Settings
from hireboard.db import Database, connect_options
from hireboard.worker.parent import parent_gone
from hireboard.worker.registry import bind_runtime, load_tasks, registry

logger = logging.getLogger("hireboard.worker")


def build_app(settings: Settings, owner_url: str) -> procrastinate.App:
    """A procrastinate App connected as the app role, with every registered task."""
    explicit = settings.app_database_url
    url = explicit.get_secret_value() if explicit else owner_url
    params: dict[str, Any] = conninfo_to_dict(url)
    params.update(connect_options(settings, switch_role=explicit is None))
    connector = procrastinate.PsycopgConnector(
        conninfo=make_conninfo(**params), min_size=1, max_size=settings.worker_concurrency + 2
    )
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(registry, namespace="")
    return app


async def run_worker(
    settings: Settings,
    owner_url: str,
    *,
    install_signal_handlers: bool = True,
    parent_pid: int | None = None,
) -> None:
    """Run jobs until SIGTERM/SIGINT (or cancellation): running jobs finish, then it exits.
    With ``parent_pid`` (serve's worker) it also stops once that process is gone."""
    load_tasks(settings.worker_task_modules)
    database = Database.connect(settings, owner_url)
    bind_runtime(database.write_sessions, settings)
    app = build_app(settings, owner_url)
    stall = settings.job_stall_timeout_s
    try:
        async with app.open_async():
            recovery = asyncio.create_task(_recover_stalled_jobs(app, stall))
            try:
                await _until_parent_gone(
                    app.run_worker_async(
                        concurrency=settings.worker_concurrency,
                        install_signal_handlers=install_signal_handlers,
                        update_heartbeat_interval=max(stall / 3, 0.5),
                        stalled_worker_timeout=stall,
                        shutdown_graceful_timeout=settings.shutdown_timeout_s,
                        listen_notify=True,
                    ),
                    parent_pid,
                )
            finally:
                recovery.cancel()
    except (procrastinate.exceptions.ConnectorException, psycopg.OperationalError) as exc:
        lost = exc if isinstance(exc, psycopg.OperationalError) else exc.__cause__
        if not isinstance(lost, psycopg.OperationalError):
            raise
        # The pool has already retried with backoff for its timeout: the database is gone
        # for good as far as this process can tell. Exit, and let the supervisor decide.
        logger.error("the database is unreachable: the worker stops", exc_info=True)
        raise DatabaseUnreachable(str(lost).strip() or type(lost).__name__) from exc
    finally:
        await database.dispose()


class DatabaseUnreachable(RuntimeError):
    """The worker lost its database and could not get it back."""


async def _until_parent_gone(worker: Coroutine[Any, Any, None], parent_pid: int | None) -> None:
    """Await the worker; if the parent goes first, cancel it: procrastinate takes that as
    a graceful stop (running jobs get their grace period)."""
    if parent_pid is None:
        await worker
        return
    running = asyncio.ensure_future(worker)
    watch = asyncio.create_task(parent_gone(parent_pid))
    try:
        await asyncio.wait([running, watch], return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not running.done():
            running.cancel()
            await asyncio.wait([running])  # its graceful stop, even when we are cancelled
    if not running.cancelled():
        running.result()  # the worker's own error, if any


async def _recover_stalled_jobs(app: procrastinate.App, stall_timeout_s: float) -> None:
    """Jobs of a worker that stopped sending heartbeats (killed, frozen) go back to the queue."""
    while True:
        await asyncio.sleep(max(stall_timeout_s / 2, 0.5))
        try:
            for job in await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=stall_timeout_s
            ):
                logger.warning(
                    "retrying stalled job", extra={"job_id": job.id, "task": job.task_name}
                )
                await app.job_manager.retry_job(job)
            await app.job_manager.prune_stalled_workers(seconds_since_heartbeat=stall_timeout_s)
        except Exception:  # recovery must outlive a passing database error
            logger.exception("stalled-job recovery failed; will try again")
