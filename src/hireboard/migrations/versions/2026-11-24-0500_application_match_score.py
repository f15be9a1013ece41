"""The candidate's match score on each application, for the organization to filter by.

``match_score`` (0-1, four decimals as the matching service rounds them) is written when
the candidate applies and again when they change their profile; null when the candidate
had no profile. The column is added without a default (no rewrite), its range check
NOT VALID and then validated, and the index built CONCURRENTLY, both outside the
migration's transaction. Existing applications are scored by a one-off job deferred here
(``applications.score_missing``, batches under each candidate's own row-level security).

Revision ID: 0019_application_match_score
Revises: 0018_self_identification
Create Date: 2026-11-24 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019_application_match_score"
down_revision: str | None = "0018_self_identification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The first statements run in Alembic's transaction (a failure undoes them); squawk sees
# the autocommit block after it and asks every statement to be rerunnable. What runs
# outside a transaction is: VALIDATE (idempotent) and CREATE INDEX CONCURRENTLY IF NOT
# EXISTS. (An invalid index left by a failed build must be dropped before a rerun.)
SQUAWK_IGNORE = ("prefer-robust-stmts",)

_BACKFILL = "applications.score_missing"


def upgrade() -> None:
    op.execute("ALTER TABLE applications ADD COLUMN match_score numeric(5, 4)")
    op.execute(
        "ALTER TABLE applications ADD CONSTRAINT ck_applications_match_score "
        "CHECK (match_score BETWEEN 0 AND 1) NOT VALID"
    )
    # procrastinate's own entry point, as worker.defer uses it; the queueing lock keeps
    # a second upgrade (after a downgrade) from queueing a twin.
    op.execute(f"""
        SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('default', '{_BACKFILL}', 0, NULL,
            '{_BACKFILL}', '{{}}'::jsonb, NULL)::procrastinate_job_to_defer_v1])
        WHERE NOT EXISTS (SELECT 1 FROM procrastinate_jobs
            WHERE queueing_lock = '{_BACKFILL}' AND status = 'todo')
    """)
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE applications VALIDATE CONSTRAINT ck_applications_match_score")
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_applications_match_score "
            "ON applications (organization_id, match_score)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_applications_match_score")
    op.execute(
        f"DELETE FROM procrastinate_jobs WHERE task_name = '{_BACKFILL}' AND status = 'todo'"
    )
    op.execute("ALTER TABLE applications DROP CONSTRAINT ck_applications_match_score")
    op.execute("ALTER TABLE applications DROP COLUMN match_score")
