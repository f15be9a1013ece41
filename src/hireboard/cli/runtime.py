"""What every command needs first: settings, logging and a database to talk to."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import psycopg
import typer
from pydantic import SecretStr, ValidationError
from sqlalchemy import make_url

from hireboard.config import Settings
from hireboard.embedded import EmbeddedPostgres, EmbeddedPostgresError, Tuning
from hireboard.observability.logging import configure_logging
from hireboard.observability.tracing import configure_tracing
from hireboard.seed.indexes import repair_interrupted_load

logger = logging.getLogger("hireboard.cli")

# sysexits.h: what went wrong, for scripts and supervisors.
EX_UNAVAILABLE = 69  # a service it needs is not there (the database, a free port)
EX_CANTCREAT = 73  # the data directory cannot be created or written
EX_NOPERM = 77  # the database refused the credentials
EX_CONFIG = 78  # the configuration names something that does not exist


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"hireboard: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with command-line options on top; exits on bad values."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        problems = "\n".join(
            f"  {_env_name(error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        fail(f"invalid configuration:\n{problems}", code=2)
    configure_logging(settings.log_level)
    configure_tracing(settings.otel_service_name, settings.otel_exporter_otlp_endpoint)
    return settings


def _env_name(loc: tuple[int | str, ...]) -> str:
    field = "_".join(str(part) for part in loc).upper()
    return f"HIREBOARD_{field}" if field else "settings"


@contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """Settings whose ``database_url`` is usable: the configured one, or the embedded server.

    The embedded server is started for this command's duration unless another hireboard
    process on the same data directory already runs it; it stops when its last user leaves.
    """
    if not settings.embedded:
        check_database(settings)
        yield settings
        return
    prepare_data_dir(settings)
    tuning = Tuning(settings.embedded_pg_memory_mb, settings.embedded_pg_settings)
    embedded = EmbeddedPostgres(settings.data_dir, tuning)
    try:
        url = embedded.acquire()
    except EmbeddedPostgresError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot prepare the embedded database in {settings.data_dir}: {exc}", EX_CANTCREAT)
    try:
        yield settings.model_copy(update={"database_url": SecretStr(url)})
    finally:
        embedded.release()


def prepare_data_dir(settings: Settings) -> None:
    """The data directory exists and is writable, or the command ends with one line."""
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        fail(
            f"cannot use the data directory {path}: {reason}. Set HIREBOARD_DATA_DIR to a "
            "directory this user can write, or fix this one's permissions.",
            EX_CANTCREAT,
        )


def ensure_port_free(host: str, port: int) -> None:
    """Fail before any slow start-up work when the server could not listen anyway."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}. Stop what uses it, "
                "or choose another port with --port or HIREBOARD_PORT.",
                EX_UNAVAILABLE,
            )


def check_database(settings: Settings) -> None:
    """One connection to the configured database, its failure told in one line."""
    url = owner_url(settings)
    try:
        with psycopg.connect(url, connect_timeout=10, application_name="hireboard-cli"):
            pass
    except psycopg.Error as exc:
        message, code = describe_connect_error(exc, _where(url))
        fail(message, code)


def describe_connect_error(exc: psycopg.Error, where: str) -> tuple[str, int]:
    """What a failed connection means and what to do, with the exit code for it."""
    text = str(exc)
    first = (text.strip().splitlines() or [type(exc).__name__])[0]
    detail = first.rpartition("failed: ")[2].removeprefix("FATAL:").strip()
    variable = "HIREBOARD_DATABASE_URL"
    if exc.sqlstate in {"28P01", "28000"} or "password authentication failed" in text:
        return (
            f"the database at {where} refused the user or password in {variable}: "
            "check both (and pg_hba.conf on the server).",
            EX_NOPERM,
        )
    if exc.sqlstate == "3D000" or "does not exist" in text:
        return (
            f"{detail} at {where}: create it (createdb) or fix the database name in {variable}.",
            EX_CONFIG,
        )
    return (
        f"cannot reach the database at {where} ({detail}): is PostgreSQL running there? "
        f"Check {variable}, or unset it to use the embedded PostgreSQL.",
        EX_UNAVAILABLE,
    )


def _where(url: str) -> str:
    """host:port/database of a URL, never its password."""
    parts = make_url(url)
    host = parts.host or parts.query.get("host") or "localhost"
    return f"{host}:{parts.port or 5432}/{parts.database or ''}"


def owner_url(settings: Settings) -> str:
    """The owner connection URL of settings returned by ``database()``."""
    if settings.database_url is None:
        fail("no database configured")
    return settings.database_url.get_secret_value()


def repair_bulk_load(settings: Settings) -> None:
    """On start: indexes and staging table that an interrupted ``seed synthetic`` left."""
    try:
        repaired = repair_interrupted_load(owner_url(settings))
    except psycopg.Error:
        logger.warning("could not check for an interrupted bulk load", exc_info=True)
        return
    if repaired:
        typer.echo(f"recreated {len(repaired)} indexes an interrupted bulk load had dropped")
