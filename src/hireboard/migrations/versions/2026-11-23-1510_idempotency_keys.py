"""Idempotency keys: one row per (caller, method, path, key), kept 24 hours.

Revision ID: 0003_idempotency_keys
Revises: 0002_job_queue
Create Date: 2026-11-23 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_idempotency_keys"
down_revision: str | None = "0002_job_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# response_status holds an HTTP status code: three digits fit a smallint forever.
SQUAWK_IGNORE = ("prefer-bigint-over-smallint",)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE idempotency_keys (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            caller text NOT NULL,
            method text NOT NULL,
            path text NOT NULL,
            key text NOT NULL,
            request_hash text NOT NULL,
            state text NOT NULL,
            response_status smallint,
            response_headers jsonb,
            response_body bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            CONSTRAINT pk_idempotency_keys PRIMARY KEY (id),
            CONSTRAINT uq_idempotency_keys_caller_method_path_key
                UNIQUE (caller, method, path, key),
            CONSTRAINT ck_idempotency_keys_state CHECK (state IN ('in_progress', 'done'))
        )
    """)
    op.execute("CREATE INDEX ix_idempotency_keys_expires_at ON idempotency_keys (expires_at)")


def downgrade() -> None:
    op.execute("DROP TABLE idempotency_keys")
