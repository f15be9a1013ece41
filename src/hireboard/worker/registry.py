"""The task registry and the ``task`` decorator every job handler is declared with."""

from __future__ import annotations

import importlib
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import procrastinate
from procrastinate import JobContext, RetryStrategy
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hireboard.access.context import restore_context
from hireboard.config import Settings
from hireboard.kit.request_context import request_id_var
from hireboard.observability.tracing import job_span

logger = logging.getLogger("hireboard.worker")

Handler = Callable[..., Awaitable[None]]

# Every task of every domain lands here; the worker's App is built from it.
registry = procrastinate.Blueprint()

# Set by the worker process before it runs jobs (worker.runner).
_sessions: dict[str, async_sessionmaker[AsyncSession]] = {}
_settings: dict[str, Settings] = {}


def bind_runtime(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    _sessions["write"] = sessions
    _settings["current"] = settings


def job_settings() -> Settings:
    """The worker's settings, for handlers that need more than their session."""
    return _settings["current"]


# Modules whose import registers tasks. The API imports them too: deferring looks the
# task up, so a typo fails at the call instead of in a worker later.
TASK_MODULES = (
    "hireboard.worker.system_tasks",
    "hireboard.identity.tasks",
    "hireboard.organizations.tasks",
    "hireboard.postings.tasks",
    "hireboard.seed.tasks",
    "hireboard.candidates.tasks",
    "hireboard.applications.tasks",
    "hireboard.privacy.tasks",
)


def load_tasks(extra: Sequence[str] = ()) -> None:
    for module in (*TASK_MODULES, *extra):
        importlib.import_module(module)


def task(
    name: str,
    *,
    retries: int = 5,
    backoff_s: int = 2,
    schedule: str | None = None,
    queue: str = "default",
) -> Callable[[Handler], Handler]:
    """Declare a job handler ``async def handler(session, **args)`` named ``"<domain>.<event>"``.

    Failed attempts are retried with exponential backoff (``backoff_s ** attempt`` seconds)
    up to ``retries`` more times; then the job is ``failed`` and its error kept for
    ``hireboard jobs failed``. ``schedule`` (cron syntax) also defers it periodically; the
    handler then receives ``timestamp``.
    """

    def decorate(handler: Handler) -> Handler:
        async def run(
            context: JobContext,
            /,
            _meta: dict[str, str] | None = None,
            _acting: dict[str, str | None] | None = None,
            **args: Any,
        ) -> None:
            await _run_job(name, handler, context, _meta or {}, _acting or {}, args)

        run.__doc__ = handler.__doc__
        registered: Any = registry.task(
            name=name,
            queue=queue,
            pass_context=True,
            # procrastinate counts retries in max_attempts, and reads 0 as "no limit".
            retry=RetryStrategy(max_attempts=retries, exponential_wait=backoff_s)
            if retries
            else False,
        )(run)
        if schedule is not None:
            registry.periodic(cron=schedule, periodic_id=name)(registered)
        return handler

    return decorate


async def _run_job(
    name: str,
    handler: Handler,
    context: JobContext,
    meta: dict[str, str],
    acting: dict[str, str | None],
    args: dict[str, Any],
) -> None:
    token = request_id_var.set(meta.get("request_id"))
    job = context.job
    try:
        with job_span(name, job_id=job.id, attempt=job.attempts, carrier=meta):
            sessions = _sessions["write"]
            async with sessions() as session, session.begin():
                # The job acts for whoever deferred it (row-level security), or for nobody.
                await restore_context(session, acting)
                await handler(session, **args)
    except Exception as exc:
        logger.warning(
            "job attempt failed", extra={"task": name, "job_id": job.id, "attempt": job.attempts}
        )
        await _record_failure(job.id, name, job.attempts, exc)
        raise
    finally:
        request_id_var.reset(token)


async def _record_failure(job_id: int | None, name: str, attempt: int, exc: Exception) -> None:
    error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
    async with _sessions["write"]() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO job_failures (job_id, task_name, attempt, error) "
                "VALUES (:job_id, :task, :attempt, :error)"
            ),
            {"job_id": job_id, "task": name, "attempt": attempt, "error": error},
        )


def task_queue(name: str) -> str:
    """The queue a registered task runs on; unknown names fail loudly at defer time."""
    try:
        return str(registry.tasks[name].queue)
    except KeyError:
        raise LookupError(f"no task named {name!r} is registered") from None
