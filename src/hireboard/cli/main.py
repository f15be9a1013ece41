"""Entry point: ``hireboard --help`` lists every command."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from hireboard import __version__
from hireboard.cli import db, jd, jobs, seed, users
from hireboard.cli.serve import serve

app = typer.Typer(
    name="hireboard",
    help="hireboard: job-market and hiring backend. Configure with HIREBOARD_* variables "
    "(see docs/configuration.md).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help text: Rich markup would swallow "[env: HIREBOARD_HOST; default ...]".
    rich_markup_mode=None,
)
app.command()(serve)
app.command()(jobs.worker)
app.add_typer(db.app, name="db")
app.add_typer(jobs.app, name="jobs")
app.add_typer(users.app, name="users")
app.add_typer(jd.app, name="jd")
app.add_typer(seed.app, name="seed")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"hireboard {__version__}")
        raise typer.Exit


_debug = {"on": os.environ.get("HIREBOARD_DEBUG", "") not in {"", "0", "false"}}


@app.callback()
def main(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the traceback of an unexpected error [env: HIREBOARD_DEBUG].",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the installed version and exit.",
        ),
    ] = False,
) -> None:
    """hireboard: job-market and hiring backend. Configure with HIREBOARD_* variables
    (see docs/configuration.md)."""
    _debug["on"] = _debug["on"] or debug


@app.command("version")
def version_command() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def run() -> None:
    """The console script: an unexpected error is one line (and exit 1) unless debugging."""
    try:
        app()
    except Exception as exc:
        if _debug["on"]:
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        typer.secho(
            f"hireboard: unexpected {type(exc).__name__}: {first} (--debug shows the traceback)",
            err=True,
            fg=typer.colors.RED,
        )
        sys.exit(1)
