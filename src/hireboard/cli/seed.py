"""``hireboard seed demo|synthetic``: data to try the board on, and to benchmark it with."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import psycopg
import typer

from hireboard.cli.progress import Progress
from hireboard.cli.runtime import database, fail, load_settings, owner_url
from hireboard.config import Settings
from hireboard.db import Database
from hireboard.embedded import DataDirInUse, ServeLock
from hireboard.seed.load import load_demo, load_synthetic
from hireboard.seed.tasks import DEMO_POSTINGS

app = typer.Typer(help="Load demo or synthetic postings.")
# EX_TEMPFAIL: the data is in use by a live service; run again once it is stopped.
IN_USE = 75
_STOP_IT = "stop it first, or pass --force to load into a live database"


@app.command()
def demo(
    postings: Annotated[int, typer.Option(min=1, max=100_000)] = DEMO_POSTINGS,
) -> None:
    """A realistic demo set: organizations and postings across roles, levels, countries,
    currencies and pay periods (added to whatever the database holds)."""
    settings = load_settings()
    with database(settings) as ready:
        loaded = asyncio.run(_demo(ready, owner_url(ready), postings))
    typer.echo(f"loaded {loaded} demo postings")


async def _demo(settings: Settings, url: str, postings: int) -> int:
    db = Database.connect(settings, url)
    try:
        with Progress(postings, "inserting demo postings") as progress:
            async with db.write_sessions() as session, session.begin():
                loaded = await load_demo(session, postings, progress=progress.update)
                progress.phase("committing")
            return loaded
    finally:
        await db.dispose()


@app.command()
def synthetic(
    postings: Annotated[int, typer.Option(min=1, max=20_000_000, help="How many.")] = 100_000,
    seed: Annotated[
        int, typer.Option(help="Random seed: same seed, same content (ids are always fresh).")
    ] = 11,
    force: Annotated[
        bool,
        typer.Option("--force", help="Load even while serve or a worker uses the database."),
    ] = False,
) -> None:
    """Bulk-load N synthetic postings fast (COPY, row triggers off in this session only,
    indexes rebuilt after). Refuses while hireboard serves the same data (exit 75)."""
    settings = load_settings()
    with _data_dir_lock(settings, force=force), database(settings) as ready:
        url = owner_url(ready)
        if not force:
            _refuse_if_in_use(url)
        timings = _load(url, postings, seed)
    parts = ", ".join(f"{name} {value:.1f}" for name, value in timings.items())
    typer.echo(f"loaded {postings} postings: {parts}")


@contextmanager
def _data_dir_lock(settings: Settings, *, force: bool) -> Iterator[None]:
    """serve's lock on an embedded data directory: a running server makes us refuse, and
    holding it keeps a server from starting under the load."""
    lock = ServeLock(settings.data_dir, holder="hireboard seed synthetic")
    if settings.embedded:
        try:
            lock.acquire()
        except DataDirInUse as exc:
            if not force:
                fail(f"{exc.holder} (pid {exc.pid}) uses {settings.data_dir}: {_STOP_IT}", IN_USE)
    try:
        yield
    finally:
        lock.release()


def _refuse_if_in_use(url: str) -> None:
    """A configured database has no lock file: other hireboard sessions on it mean that a
    server or worker is live."""
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'hireboard' AND pid <> pg_backend_pid()"
            ).fetchone()
    except psycopg.Error as exc:
        fail(f"cannot reach the database: {_first_line(exc)}")
    if row and row[0]:
        fail(f"{row[0]} hireboard connections use this database: {_STOP_IT}", IN_USE)


def _load(url: str, postings: int, seed: int) -> dict[str, float]:
    with Progress(postings, "generating and copying postings") as progress:
        try:
            return load_synthetic(
                url, postings, seed=seed, progress=progress.update, phase=progress.phase
            )
        except KeyboardInterrupt:
            fail("interrupted: no partial data was committed, and the indexes are back", 130)
        except psycopg.Error as exc:
            fail(f"the load failed and was rolled back: {_first_line(exc)}")


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
