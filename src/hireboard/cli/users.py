"""``hireboard users``: accounts managed from the command line."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from hireboard.cli.runtime import database, fail, load_settings, owner_url
from hireboard.config import Settings
from hireboard.db import Database
from hireboard.errors import AppError
from hireboard.identity.keys import load_keys
from hireboard.identity.passwords import Passwords
from hireboard.identity.service import Identity
from hireboard.kit.text import Email, Name

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email address.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "Administrator",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create the board operator's platform-admin account (or promote an existing one)."""
    _check("--email", Email, email)
    _check("--name", Name, name)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        fail("no terminal to ask for the password on: pass it with --password-stdin", code=2)
    with database(load_settings()) as settings:
        try:
            created = asyncio.run(_create(settings, email, name, password))
        except AppError as exc:
            fail(exc.detail, code=2)
    typer.echo(f"platform admin {email.strip().lower()} {'created' if created else 'promoted'}")


def _check(option: str, kind: Any, value: str) -> None:
    """The rule sign-up applies to the same field: an admin who could never log in (or whose
    name breaks a mail header) is refused before anything is written."""
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        fail(f"{option}: {exc.errors()[0]['msg']}", code=2)


async def _create(settings: Settings, email: str, name: str, password: str) -> bool:
    identity = Identity(settings, load_keys(settings), Passwords(settings))
    db = Database.connect(settings, owner_url(settings))
    try:
        async with db.write_sessions() as session, session.begin():
            return await identity.create_platform_admin(
                session, email=email, name=name, password=password
            )
    finally:
        await db.dispose()
