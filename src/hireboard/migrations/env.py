"""Alembic environment: one transaction per migration, a lock timeout, one migrator at a time."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from hireboard.models import Base

# Any constant works; it only has to be the same in every hireboard process.
_MIGRATION_LOCK_KEY = 7_202_611_230

config = context.config
# Index builds on large tables take minutes; a runaway statement is stopped all the same.
_STATEMENT_TIMEOUT = "15min"


def _timeouts() -> list[str]:
    lock_timeout = int(config.get_main_option("lock_timeout_ms", "5000"))
    # A migration waiting on a busy table must fail fast, not queue every query behind it.
    return [
        f"SET lock_timeout = '{lock_timeout}ms'",
        f"SET statement_timeout = '{_STATEMENT_TIMEOUT}'",
    ]


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        transaction_per_migration=True,
    )
    for statement in _timeouts():
        context.execute(statement)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url", ""), poolclass=NullPool)
    with engine.connect() as connection:
        for statement in _timeouts():
            connection.execute(text(statement))
        # Two processes starting together (replicas, serve and `db upgrade`) take turns.
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            connection.rollback()
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
