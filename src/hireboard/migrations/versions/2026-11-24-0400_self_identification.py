"""Voluntary US equal-opportunity self-identification, kept apart from applications.

Rows are the candidate's alone (row-level security). Organizations get counts only,
through ``self_identification_report`` (run as the owner), and only for groups of at least
the minimum sample.

Revision ID: 0018_self_identification
Revises: 0017_erasure_validate
Create Date: 2026-11-24 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0018_self_identification"
down_revision: str | None = "0017_erasure_validate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _role() -> str:
    return '"' + context.config.get_main_option("app_role", "hireboard_app") + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE self_identifications (
            application_id uuid NOT NULL,
            candidate_id uuid NOT NULL,
            organization_id uuid NOT NULL,
            gender text NOT NULL DEFAULT 'decline',
            race_ethnicity text NOT NULL DEFAULT 'decline',
            veteran_status text NOT NULL DEFAULT 'decline',
            disability_status text NOT NULL DEFAULT 'decline',
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_self_identifications PRIMARY KEY (application_id),
            CONSTRAINT fk_self_identifications_application_id_applications
                FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE,
            CONSTRAINT fk_self_identifications_candidate_id_users
                FOREIGN KEY (candidate_id) REFERENCES users (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_self_identifications_organization_id
            ON self_identifications (organization_id);
        ALTER TABLE self_identifications ENABLE ROW LEVEL SECURITY;
        ALTER TABLE self_identifications FORCE ROW LEVEL SECURITY;
        CREATE POLICY self_identifications_own ON self_identifications FOR ALL
            USING (candidate_id = app_user_id()) WITH CHECK (candidate_id = app_user_id());

        CREATE FUNCTION self_identification_report(p_org uuid)
        RETURNS TABLE (field text, value text, n bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT f.field, f.value, count(*) FROM self_identifications s
            CROSS JOIN LATERAL (VALUES ('gender', s.gender),
                ('race_ethnicity', s.race_ethnicity), ('veteran_status', s.veteran_status),
                ('disability_status', s.disability_status)) AS f(field, value)
            WHERE s.organization_id = p_org AND p_org = ANY (app_org_ids())
            GROUP BY f.field, f.value
        $$;
        REVOKE ALL ON FUNCTION self_identification_report(uuid) FROM PUBLIC;
    """)
    op.execute(f"GRANT EXECUTE ON FUNCTION self_identification_report(uuid) TO {_role()}")
    # Erasure and retention drop the self-identification too: anonymised applications keep
    # no link to it.
    op.execute(
        _ERASE.replace(
            "-- extra --", "DELETE FROM self_identifications WHERE candidate_id = p_user;"
        )
    )


_ERASE = """
    CREATE OR REPLACE FUNCTION erase_candidate(p_user uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
        changed integer;
    BEGIN
        IF p_user IS DISTINCT FROM app_user_id() AND NOT app_platform_admin() THEN
            RAISE EXCEPTION 'erase_candidate: not allowed' USING ERRCODE = '42501';
        END IF;
        -- extra --
        UPDATE applications SET candidate_id = NULL, resume_id = NULL, answers = '[]',
            cover_letter = NULL, anonymised_at = now(), updated_at = now()
        WHERE candidate_id = p_user;
        GET DIAGNOSTICS changed = ROW_COUNT;
        UPDATE application_events SET candidate_id = NULL, reason = NULL
        WHERE candidate_id = p_user;
        RETURN changed;
    END
    $$
"""


def downgrade() -> None:
    op.execute(_ERASE.replace("-- extra --", ""))
    op.execute("DROP FUNCTION self_identification_report(uuid)")
    op.execute("DROP TABLE self_identifications")
