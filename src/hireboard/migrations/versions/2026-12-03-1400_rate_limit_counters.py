"""Rate-limit counters in PostgreSQL, for several processes without Redis.

UNLOGGED: counters are cheap to lose on a crash (as on a Redis restart) and are written
on every limited request, so they skip the WAL. Rows are short-lived and swept by the
application (``kit/ratelimit_store.py``).

Revision ID: 0023_rate_limit_counters
Revises: 0022_posting_public
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023_rate_limit_counters"
down_revision: str | None = "0022_posting_public"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE UNLOGGED TABLE rate_limit_counters ("
        " key text PRIMARY KEY,"
        " value bigint NOT NULL,"
        " expires_at timestamptz NOT NULL)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit_counters")
