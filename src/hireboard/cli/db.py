"""``hireboard db``: schema migrations."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from hireboard import migrate
from hireboard.cli.runtime import database, load_settings, owner_url, repair_bulk_load

app = typer.Typer(help="Apply, roll back and inspect database migrations.", no_args_is_help=True)
_ALEMBIC = logging.getLogger("alembic.runtime.migration")


class _NameEachStep(logging.Handler):
    """Alembic's "Running upgrade A -> B, doc" records as one plain line per migration;
    its other chatter ("Context impl...") is dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for verb in ("upgrade", "downgrade"):
            prefix = f"Running {verb} "
            if message.startswith(prefix):
                step, _, doc = message.removeprefix(prefix).partition(", ")
                self.steps += 1
                summary = doc.strip().splitlines()[0] if doc.strip() else ""
                typer.echo(f"{verb} {step}" + (f": {summary}" if summary else ""), err=True)


@contextmanager
def _naming_steps() -> Iterator[_NameEachStep]:
    handler = _NameEachStep()
    propagate, level = _ALEMBIC.propagate, _ALEMBIC.level
    _ALEMBIC.addHandler(handler)
    _ALEMBIC.propagate = False
    _ALEMBIC.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        _ALEMBIC.removeHandler(handler)
        _ALEMBIC.propagate, _ALEMBIC.level = propagate, level


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    with database(load_settings()) as settings, _naming_steps() as steps:
        started = time.perf_counter()
        migrate.upgrade(settings, owner_url(settings), revision)
        repair_bulk_load(settings)
        now = migrate.current_revision(settings, owner_url(settings))
        took = time.perf_counter() - started
        typer.echo(f"schema at {now} ({steps.steps} migrations applied in {took:.1f} s)")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision: an id, -1, or base.")] = "-1",
) -> None:
    """Roll the schema back to REVISION (default: one step)."""
    with database(load_settings()) as settings, _naming_steps():
        migrate.downgrade(settings, owner_url(settings), revision)
        typer.echo(f"schema at {migrate.current_revision(settings, owner_url(settings))}")


@app.command()
def current() -> None:
    """Show the schema's revision and the newest one this code knows."""
    with database(load_settings()) as settings, _naming_steps():
        url = owner_url(settings)
        now = migrate.current_revision(settings, url)
        head = migrate.head_revision(settings, url)
        state = "up to date" if now == head else "behind: run `hireboard db upgrade`"
        typer.echo(f"current: {now}\nhead:    {head}\n{state}")


@app.command()
def sql(
    output_dir: Annotated[
        Path | None, typer.Option(help="Write one file per migration here instead of printing.")
    ] = None,
) -> None:
    """Print the SQL the migrations run, without a database (for review and squawk)."""
    settings = load_settings()
    if output_dir is None:
        typer.echo(migrate.offline_sql(settings, migrate.OFFLINE_URL))
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    for path in migrate.write_sql_per_migration(settings, output_dir):
        typer.echo(path)
