"""Notes and ratings on applications, by the organization's members (never the candidate).

Revision ID: 0012_application_notes
Revises: 0011_applications
Create Date: 2026-11-23 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_application_notes"
down_revision: str | None = "0011_applications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A rating is 1 to 5.
SQUAWK_IGNORE = ("prefer-bigint-over-smallint",)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE application_notes (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            application_id uuid NOT NULL,
            organization_id uuid NOT NULL,
            author_id uuid,
            body text NOT NULL,
            rating smallint,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_application_notes PRIMARY KEY (id),
            CONSTRAINT ck_application_notes_rating CHECK (rating BETWEEN 1 AND 5),
            CONSTRAINT fk_application_notes_application_id_applications
                FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
            CONSTRAINT fk_application_notes_author_id_users
                FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL
        );
        CREATE INDEX ix_application_notes_application_id
            ON application_notes (application_id, created_at);
        ALTER TABLE application_notes ENABLE ROW LEVEL SECURITY;
        ALTER TABLE application_notes FORCE ROW LEVEL SECURITY;
        CREATE POLICY application_notes_org ON application_notes FOR ALL
            USING (organization_id = ANY (app_org_ids()))
            WITH CHECK (organization_id = ANY (app_org_ids()));
        CREATE POLICY application_notes_platform_admin ON application_notes FOR SELECT
            USING (app_platform_admin());
    """)


def downgrade() -> None:
    op.execute("DROP TABLE application_notes")
