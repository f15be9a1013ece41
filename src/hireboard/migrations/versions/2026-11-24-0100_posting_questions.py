"""Screening questions on postings.

Revision ID: 0014_posting_questions
Revises: 0013_profile_visibility
Create Date: 2026-11-24 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014_posting_questions"
down_revision: str | None = "0013_profile_visibility"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL 11+ adds the column without rewriting the table.
    op.execute("ALTER TABLE postings ADD COLUMN questions jsonb NOT NULL DEFAULT '[]'")


def downgrade() -> None:
    op.execute("ALTER TABLE postings DROP COLUMN questions")
