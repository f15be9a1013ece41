"""Running workers: the procrastinate App, stalled-job recovery, graceful stop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hireboard.config import Settings
from hireboard.db import Database, connect_options
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
    settings: Settings, owner_url: str, *, install_signal_handlers: bool = True
) -> None:
    """Run jobs until SIGTERM/SIGINT (or cancellation): running jobs finish, then it exits."""
    load_tasks(settings.worker_task_modules)
    database = Database.connect(settings, owner_url)
    bind_runtime(database.write_sessions, settings)
    app = build_app(settings, owner_url)
    stall = settings.job_stall_timeout_s
    async with app.open_async():
        recovery = asyncio.create_task(_recover_stalled_jobs(app, stall))
        try:
            await app.run_worker_async(
                concurrency=settings.worker_concurrency,
                install_signal_handlers=install_signal_handlers,
                update_heartbeat_interval=max(stall / 3, 0.5),
                stalled_worker_timeout=stall,
                shutdown_graceful_timeout=settings.shutdown_timeout_s,
                listen_notify=True,
            )
        finally:
            recovery.cancel()
            await database.dispose()


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
