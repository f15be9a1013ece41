"""``hireboard seed demo|synthetic``: data to try the board on, and to benchmark it with."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from hireboard.cli.runtime import database, load_settings, owner_url
from hireboard.config import Settings
from hireboard.db import Database
from hireboard.seed.load import load_demo, load_synthetic
from hireboard.seed.tasks import DEMO_POSTINGS

app = typer.Typer(help="Load demo or synthetic postings.")


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
        async with db.write_sessions() as session, session.begin():
            return await load_demo(session, postings)
    finally:
        await db.dispose()


@app.command()
def synthetic(
    postings: Annotated[int, typer.Option(min=1, max=20_000_000, help="How many.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 11,
) -> None:
    """Bulk-load N synthetic postings fast (COPY, triggers off, indexes rebuilt after)."""
    settings = load_settings()
    with (
        database(settings) as ready,
        typer.progressbar(length=postings, label="generating and copying") as bar,
    ):
        seen = 0

        def advance(done: int) -> None:
            nonlocal seen
            bar.update(done - seen)
            seen = done

        timings = load_synthetic(owner_url(ready), postings, seed=seed, progress=advance)
    parts = ", ".join(f"{name} {value:.1f}" for name, value in timings.items())
    typer.echo(f"loaded {postings} postings: {parts}")
