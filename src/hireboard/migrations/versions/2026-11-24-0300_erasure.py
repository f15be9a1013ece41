"""Erasure: a candidate's applications can outlive their account, anonymised.

``applications.candidate_id`` (and the events') become nullable and no longer cascade:
erasing an account keeps the organization's record of the stages with no person attached.
``erase_candidate(user)`` does the anonymising as the schema owner, for the acting user
themselves or for the board (the retention job), and nobody else.

Revision ID: 0016_erasure
Revises: 0015_notification_preferences
Create Date: 2026-11-24 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0016_erasure"
down_revision: str | None = "0015_notification_preferences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Intended: candidate_id becomes nullable (an erased candidate) and its foreign key is
# replaced by one that sets NULL instead of cascading. The new key is added NOT VALID here
# and validated by the next migration, in its own transaction.
SQUAWK_IGNORE = ("ban-drop-not-null", "ban-drop-constraint")


def _role() -> str:
    return '"' + context.config.get_main_option("app_role", "hireboard_app") + '"'


def upgrade() -> None:
    op.execute("ALTER TABLE applications ALTER COLUMN candidate_id DROP NOT NULL")
    op.execute("ALTER TABLE application_events ALTER COLUMN candidate_id DROP NOT NULL")
    op.execute("ALTER TABLE applications ADD COLUMN anonymised_at timestamptz")
    op.execute("ALTER TABLE applications DROP CONSTRAINT fk_applications_candidate_id_users")
    op.execute(
        "ALTER TABLE applications ADD CONSTRAINT fk_applications_candidate_id_users "
        "FOREIGN KEY (candidate_id) REFERENCES users (id) ON DELETE SET NULL NOT VALID"
    )
    op.execute("""
        CREATE FUNCTION erase_candidate(p_user uuid) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            changed integer;
        BEGIN
            IF p_user IS DISTINCT FROM app_user_id() AND NOT app_platform_admin() THEN
                RAISE EXCEPTION 'erase_candidate: not allowed' USING ERRCODE = '42501';
            END IF;
            UPDATE applications SET candidate_id = NULL, resume_id = NULL, answers = '[]',
                cover_letter = NULL, anonymised_at = now(), updated_at = now()
            WHERE candidate_id = p_user;
            GET DIAGNOSTICS changed = ROW_COUNT;
            UPDATE application_events SET candidate_id = NULL, reason = NULL
            WHERE candidate_id = p_user;
            RETURN changed;
        END
        $$;
        REVOKE ALL ON FUNCTION erase_candidate(uuid) FROM PUBLIC;
    """)
    op.execute(f"GRANT EXECUTE ON FUNCTION erase_candidate(uuid) TO {_role()}")


def downgrade() -> None:
    op.execute("DROP FUNCTION erase_candidate(uuid)")
    op.execute("DELETE FROM application_events WHERE candidate_id IS NULL")
    op.execute("DELETE FROM applications WHERE candidate_id IS NULL")
    op.execute("ALTER TABLE applications DROP CONSTRAINT fk_applications_candidate_id_users")
    op.execute(
        "ALTER TABLE applications ADD CONSTRAINT fk_applications_candidate_id_users "
        "FOREIGN KEY (candidate_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID"
    )
    op.execute("ALTER TABLE applications VALIDATE CONSTRAINT fk_applications_candidate_id_users")
    op.execute("ALTER TABLE applications DROP COLUMN anonymised_at")
    op.execute("ALTER TABLE application_events ALTER COLUMN candidate_id SET NOT NULL")
    op.execute("ALTER TABLE applications ALTER COLUMN candidate_id SET NOT NULL")
