"""The job queue: procrastinate's schema, and the errors of failed job attempts.

procrastinate's tables, types and functions come from the schema file shipped inside the
installed procrastinate package (pinned in requirements/*.txt), executed as it is: when a
later procrastinate release changes its schema, a new migration applies the release's own
migration files. The app role gets data access through the default privileges of 0001.

Revision ID: 0002_job_queue
Revises: 0001_app_role
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files

from alembic import context, op

revision: str = "0002_job_queue"
down_revision: str | None = "0001_app_role"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# procrastinate's schema is theirs, created on an empty table set (so no lock or
# rewrite concerns), and kept byte-for-byte so their upgrade files apply to it.
SQUAWK_IGNORE = ("prefer-text-field", "prefer-bigint-over-int", "prefer-identity")


def _run(sql: str) -> None:
    if context.is_offline_mode():
        op.execute(sql)
    else:
        # Straight to psycopg without parameters, so the schema's own text (which has
        # "%" in comments and messages) is never parsed for placeholders. Same transaction.
        dbapi_connection = op.get_bind().connection.dbapi_connection
        assert dbapi_connection is not None  # noqa: S101 - a live migration connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()


def upgrade() -> None:
    _run((files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8"))
    op.execute("""
        CREATE TABLE job_failures (
            id bigint GENERATED ALWAYS AS IDENTITY,
            job_id bigint NOT NULL,
            task_name text NOT NULL,
            attempt integer NOT NULL,
            error text NOT NULL,
            failed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_job_failures PRIMARY KEY (id),
            CONSTRAINT fk_job_failures_job_id_procrastinate_jobs FOREIGN KEY (job_id)
                REFERENCES procrastinate_jobs (id) ON DELETE CASCADE
        )
    """)
    op.execute("CREATE INDEX ix_job_failures_job_id ON job_failures (job_id)")


def downgrade() -> None:
    op.execute("DROP TABLE job_failures")
    _run("""
        DO $$
        DECLARE
            item record;
        BEGIN
            DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
                procrastinate_jobs, procrastinate_workers CASCADE;
            FOR item IN
                SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE 'DROP FUNCTION ' || item.signature;
            END LOOP;
            DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
                procrastinate_job_status;
        END
        $$
    """)
