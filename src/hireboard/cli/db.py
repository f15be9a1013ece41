"""``hireboard db``: schema migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hireboard import migrate
from hireboard.cli.runtime import database, load_settings, owner_url, repair_bulk_load

app = typer.Typer(help="Apply, roll back and inspect database migrations.", no_args_is_help=True)


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    with database(load_settings()) as settings:
        migrate.upgrade(settings, owner_url(settings), revision)
        repair_bulk_load(settings)
        typer.echo(f"schema at {migrate.current_revision(settings, owner_url(settings))}")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision: an id, -1, or base.")] = "-1",
) -> None:
    """Roll the schema back to REVISION (default: one step)."""
    with database(load_settings()) as settings:
        migrate.downgrade(settings, owner_url(settings), revision)
        typer.echo(f"schema at {migrate.current_revision(settings, owner_url(settings))}")


@app.command()
def current() -> None:
    """Show the schema's revision and the newest one this code knows."""
    with database(load_settings()) as settings:
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
