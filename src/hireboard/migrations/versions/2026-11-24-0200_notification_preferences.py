"""Which emails each user receives.

Revision ID: 0015_notification_preferences
Revises: 0014_posting_questions
Create Date: 2026-11-24 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_notification_preferences"
down_revision: str | None = "0014_posting_questions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE notification_preferences (
            user_id uuid NOT NULL,
            application_updates boolean NOT NULL DEFAULT true,
            new_applications boolean NOT NULL DEFAULT true,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_notification_preferences PRIMARY KEY (user_id),
            CONSTRAINT fk_notification_preferences_user_id_users
                FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
        );
        ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY;
        ALTER TABLE notification_preferences FORCE ROW LEVEL SECURITY;
        CREATE POLICY notification_preferences_own ON notification_preferences FOR ALL
            USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
        -- Notification jobs act as the board itself.
        CREATE POLICY notification_preferences_platform_admin ON notification_preferences
            FOR SELECT USING (app_platform_admin());
    """)


def downgrade() -> None:
    op.execute("DROP TABLE notification_preferences")
