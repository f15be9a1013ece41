"""Profiles a candidate made visible to employers can be read by organizations' members.

Revision ID: 0013_profile_visibility
Revises: 0012_application_notes
Create Date: 2026-11-24 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_profile_visibility"
down_revision: str | None = "0012_application_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE POLICY candidate_profiles_employers ON candidate_profiles FOR SELECT
            USING (visibility = 'employers' AND cardinality(app_org_ids()) > 0)
    """)


def downgrade() -> None:
    op.execute("DROP POLICY candidate_profiles_employers ON candidate_profiles")
