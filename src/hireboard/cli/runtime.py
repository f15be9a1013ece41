"""What every command needs first: settings, logging and a database to talk to."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import psycopg
import typer
from pydantic import SecretStr, ValidationError

from hireboard.config import Settings
from hireboard.embedded import EmbeddedPostgres, EmbeddedPostgresError, Tuning
from hireboard.observability.logging import configure_logging
from hireboard.observability.tracing import configure_tracing
from hireboard.seed.indexes import repair_interrupted_load

logger = logging.getLogger("hireboard.cli")


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
        yield settings
        return
    tuning = Tuning(settings.embedded_pg_memory_mb, settings.embedded_pg_settings)
    embedded = EmbeddedPostgres(settings.data_dir, tuning)
    try:
        url = embedded.acquire()
    except EmbeddedPostgresError as exc:
        fail(str(exc))
    try:
        yield settings.model_copy(update={"database_url": SecretStr(url)})
    finally:
        embedded.release()


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
