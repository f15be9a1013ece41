"""Validate the applications' candidate foreign key added NOT VALID by 0016 (a scan that
takes only a SHARE UPDATE EXCLUSIVE lock, in its own transaction).

Revision ID: 0017_erasure_validate
Revises: 0016_erasure
Create Date: 2026-11-24 03:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017_erasure_validate"
down_revision: str | None = "0016_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE applications VALIDATE CONSTRAINT fk_applications_candidate_id_users")


def downgrade() -> None:
    """Validation has nothing to undo."""
