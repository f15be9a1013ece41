"""Alembic, driven from code: the migrations ship inside the package, so no alembic.ini."""

from __future__ import annotations

import io
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from hireboard.config import Settings
from hireboard.db import sqlalchemy_url

# Offline SQL generation needs a URL only for its dialect.
OFFLINE_URL = "postgresql://owner@localhost/hireboard"
_FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s"


def alembic_config(
    settings: Settings, owner_url: str, *, output: io.StringIO | None = None
) -> Config:
    config = Config(output_buffer=output, stdout=output or io.StringIO())
    config.set_main_option("script_location", str(files("hireboard") / "migrations"))
    config.set_main_option("file_template", _FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    # Read by env.py and by migrations; values go through ConfigParser, hence the escaping.
    config.set_main_option(
        "sqlalchemy.url",
        sqlalchemy_url(owner_url).render_as_string(hide_password=False).replace("%", "%%"),
    )
    config.set_main_option("app_role", settings.app_role)
    config.set_main_option("lock_timeout_ms", str(settings.lock_timeout_ms))
    return config


def upgrade(settings: Settings, owner_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings, owner_url), revision)


def downgrade(settings: Settings, owner_url: str, revision: str) -> None:
    command.downgrade(alembic_config(settings, owner_url), revision)


def offline_sql(settings: Settings, owner_url: str, revision: str = "head") -> str:
    """The SQL an upgrade would run, for review and for squawk."""
    buffer = io.StringIO()
    command.upgrade(alembic_config(settings, owner_url, output=buffer), revision, sql=True)
    return buffer.getvalue()


def write_sql_per_migration(settings: Settings, directory: Path) -> list[Path]:
    """One SQL file per migration, oldest first, so each can be linted on its own."""
    written = []
    for number, script in enumerate(_scripts(settings), start=1):
        start = script.down_revision
        target = script.revision if start is None else f"{start}:{script.revision}"
        sql = offline_sql(settings, OFFLINE_URL, target)
        # Documented exceptions: a migration lists the squawk rules it may break, and why.
        ignored = list(getattr(script.module, "SQUAWK_IGNORE", ()))
        if start is None:
            # The first file also creates Alembic's own bookkeeping table, whose
            # VARCHAR(32) column is Alembic's choice and never altered.
            ignored.append("prefer-text-field")
        if ignored:
            sql = f"-- squawk-ignore-file {', '.join(sorted(set(ignored)))}\n{sql}"
        path = directory / f"{number:04d}_{script.revision}.sql"
        path.write_text(sql, encoding="utf-8")
        written.append(path)
    return written


def _scripts(settings: Settings) -> list[Script]:
    """Every migration, oldest first."""
    config = alembic_config(settings, OFFLINE_URL)
    return list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))


def revisions(settings: Settings) -> list[str]:
    """Every migration's revision id, oldest first."""
    return [script.revision for script in _scripts(settings)]


def head_revision(settings: Settings, owner_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings, owner_url)).get_current_head()


def current_revision(settings: Settings, owner_url: str) -> str | None:
    engine = create_engine(sqlalchemy_url(owner_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
