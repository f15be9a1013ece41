"""Accounts: users, login sessions (refresh-token families) and their refresh tokens.

Revision ID: 0004_accounts
Revises: 0003_idempotency_keys
Create Date: 2026-11-23 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_accounts"
down_revision: str | None = "0003_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE users (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            email text NOT NULL,
            name text NOT NULL,
            password_hash text NOT NULL,
            is_platform_admin boolean NOT NULL DEFAULT false,
            email_verified_at timestamptz,
            disabled_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_users PRIMARY KEY (id),
            CONSTRAINT uq_users_email UNIQUE (email),
            CONSTRAINT ck_users_email_normalised CHECK (email = lower(btrim(email)))
        )
    """)
    op.execute("""
        CREATE TABLE auth_sessions (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            user_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            revoked_at timestamptz,
            CONSTRAINT pk_auth_sessions PRIMARY KEY (id),
            CONSTRAINT fk_auth_sessions_user_id_users FOREIGN KEY (user_id)
                REFERENCES users (id) ON DELETE CASCADE
        )
    """)
    op.execute("CREATE INDEX ix_auth_sessions_user_id ON auth_sessions (user_id)")
    op.execute("""
        CREATE TABLE refresh_tokens (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            session_id uuid NOT NULL,
            token_hash text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            used_at timestamptz,
            CONSTRAINT pk_refresh_tokens PRIMARY KEY (id),
            CONSTRAINT uq_refresh_tokens_token_hash UNIQUE (token_hash),
            CONSTRAINT fk_refresh_tokens_session_id_auth_sessions FOREIGN KEY (session_id)
                REFERENCES auth_sessions (id) ON DELETE CASCADE
        )
    """)
    op.execute("CREATE INDEX ix_refresh_tokens_session_id ON refresh_tokens (session_id)")


def downgrade() -> None:
    op.execute("DROP TABLE refresh_tokens")
    op.execute("DROP TABLE auth_sessions")
    op.execute("DROP TABLE users")
