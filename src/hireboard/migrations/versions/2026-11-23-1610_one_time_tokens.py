"""One-time tokens for email verification and password reset (stored hashed, expiring).

Revision ID: 0005_one_time_tokens
Revises: 0004_accounts
Create Date: 2026-11-23 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_one_time_tokens"
down_revision: str | None = "0004_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE one_time_tokens (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            user_id uuid NOT NULL,
            purpose text NOT NULL,
            token_hash text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            CONSTRAINT pk_one_time_tokens PRIMARY KEY (id),
            CONSTRAINT uq_one_time_tokens_token_hash UNIQUE (token_hash),
            CONSTRAINT ck_one_time_tokens_purpose
                CHECK (purpose IN ('verify_email', 'reset_password')),
            CONSTRAINT fk_one_time_tokens_user_id_users FOREIGN KEY (user_id)
                REFERENCES users (id) ON DELETE CASCADE
        )
    """)
    op.execute("CREATE INDEX ix_one_time_tokens_user_id ON one_time_tokens (user_id)")


def downgrade() -> None:
    op.execute("DROP TABLE one_time_tokens")
