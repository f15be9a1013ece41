"""``hireboard serve``: the API on the configured or embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hireboard import migrate
from hireboard.app import create_app
from hireboard.cli.http_limits import LimitedHttpToolsProtocol
from hireboard.cli.runtime import (
    database,
    ensure_port_free,
    fail,
    load_settings,
    owner_url,
    prepare_data_dir,
    repair_bulk_load,
)
from hireboard.config import Settings
from hireboard.db import Database
from hireboard.embedded import EmbeddedPostgresError, ServeLock
from hireboard.worker import defer
from hireboard.worker.registry import load_tasks


class _AnnouncingServer(uvicorn.Server):
    """Prints where to find the API once the socket is bound, not before."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        await super().startup(sockets)  # type: ignore[arg-type]
        if self.started:
            typer.echo(f"hireboard is serving on {self.url} (health: {self.url}/readyz)")


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind [env: HIREBOARD_HOST; default 127.0.0.1].")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port [env: HIREBOARD_PORT; default 8000].")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="API worker processes [env: HIREBOARD_WORKERS; default: the cores]."),
    ] = None,
    migrate_schema: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving.")
    ] = True,
    with_worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Also run a background-job worker process.")
    ] = True,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            help="On the embedded database's first start, load demo data in the background.",
        ),
    ] = True,
) -> None:
    """Run the HTTP API; with no configuration, on the embedded PostgreSQL in the data directory."""
    settings = load_settings(host=host, port=port, workers=workers)
    # uvicorn handles SIGINT/SIGTERM while it serves, then re-raises the signal once it has
    # drained; outside that window (and for that re-raise) we unwind normally so the
    # embedded PostgreSQL is stopped and the exit status is 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_cleanly)
    settings = _one_worker_for_metrics_port(settings)
    ensure_port_free(settings.host, settings.port)
    lock = ServeLock(settings.data_dir)
    if settings.embedded:
        prepare_data_dir(settings)
        try:
            lock.acquire()
        except EmbeddedPostgresError as exc:
            fail(str(exc))
    try:
        with database(settings) as ready:
            if migrate_schema:
                migrate.upgrade(ready, owner_url(ready))
            repair_bulk_load(ready)
            if demo and settings.embedded and asyncio.run(_queue_demo(ready)):
                typer.echo("empty database: demo data is loading in the background (--no-demo)")
            worker = _start_worker(ready) if with_worker else None
            try:
                _run(ready)
            finally:
                if worker is not None:
                    _stop_worker(worker, ready.shutdown_timeout_s)
    finally:
        lock.release()


async def _queue_demo(settings: Settings) -> bool:
    """Defer the demo load when the database has no organizations (the worker loads it, so
    /readyz is not delayed); True if queued."""
    load_tasks(settings.worker_task_modules)
    database = Database.connect(settings, owner_url(settings))
    try:
        async with database.write_sessions() as session, session.begin():
            if await session.scalar(text("SELECT EXISTS (SELECT 1 FROM organizations)")):
                return False
            await defer(session, "seed.demo", queueing_lock="seed-demo")
            return True
    except IntegrityError:  # an earlier start queued it and no worker has run it yet
        return False
    finally:
        await database.dispose()


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    """The worker runs as a child in serve's process group, on the database serve resolved;
    it ends when serve does, even when serve is killed (``--parent-pid``)."""
    env = {**os.environ, "HIREBOARD_DATABASE_URL": owner_url(settings)}
    return subprocess.Popen(  # noqa: S603 - our interpreter and module; the only variable is our pid
        [sys.executable, "-m", "hireboard", "worker", "--parent-pid", str(os.getpid())],
        env=env,
        stdin=subprocess.DEVNULL,
    )


def _stop_worker(worker: subprocess.Popen[bytes], grace_s: int) -> None:
    """Running jobs get the same grace period as requests; then the worker is killed."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=grace_s + 5)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _one_worker_for_metrics_port(settings: Settings) -> Settings:
    """A metrics port serves one process's metrics: one worker unless told otherwise."""
    if settings.metrics_port is None or settings.workers == 1:
        return settings
    if "workers" in settings.model_fields_set:
        fail("HIREBOARD_METRICS_PORT serves one process's metrics: use it with one worker")
    return settings.model_copy(update={"workers": 1})


@contextmanager
def _shared_metrics_dir() -> Iterator[str]:
    """A private directory where every worker keeps its metric values, removed at exit.

    prometheus-client reads ``PROMETHEUS_MULTIPROC_DIR`` when it is imported, so it is set
    before the workers start; a fresh directory means no values of an earlier run leak in.
    """
    path = tempfile.mkdtemp(prefix="hireboard-metrics-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _run(settings: Settings) -> None:
    url = f"http://{settings.host}:{settings.port}"
    common = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # ours, configured by load_settings
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": settings.shutdown_timeout_s,
        "loop": "uvloop" if sys.platform != "win32" else "asyncio",
        "http": LimitedHttpToolsProtocol,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
    }
    if settings.workers == 1:
        server = _AnnouncingServer(uvicorn.Config(create_app(settings), **common), url)  # type: ignore[arg-type]
        server.run()
        return
    # Worker processes rebuild the app from the environment: hand them the resolved database
    # and the resolved worker count (the shared-store rules depend on it).
    os.environ["HIREBOARD_DATABASE_URL"] = owner_url(settings)
    os.environ["HIREBOARD_WORKERS"] = str(settings.workers)
    typer.echo(f"hireboard is serving on {url} with {settings.workers} workers")
    with _shared_metrics_dir() as metrics_dir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        os.environ["HIREBOARD_METRICS_MULTIPROC_DIR"] = metrics_dir
        uvicorn.run(
            "hireboard.app:app_from_environment",
            factory=True,
            workers=settings.workers,
            **common,  # type: ignore[arg-type]
        )
