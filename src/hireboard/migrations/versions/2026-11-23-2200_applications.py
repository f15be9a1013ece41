"""Applications and each organization's pipeline of stages.

Applications are seen by the organization that received them and by the candidate who
sent them (row-level security on both sides); a resume becomes readable to the
organizations the candidate applied to with it.

Revision ID: 0011_applications
Revises: 0010_candidates
Create Date: 2026-11-23 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_applications"
down_revision: str | None = "0010_candidates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stage positions are small ordinals.
SQUAWK_IGNORE = ("prefer-bigint-over-int",)

_CATEGORIES = "('applied', 'screening', 'interview', 'offer', 'hired', 'rejected', 'withdrawn')"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE pipeline_stages (
            organization_id uuid NOT NULL,
            key text NOT NULL,
            name text NOT NULL,
            category text NOT NULL,
            position integer NOT NULL,
            CONSTRAINT pk_pipeline_stages PRIMARY KEY (organization_id, key),
            CONSTRAINT ck_pipeline_stages_key CHECK (key ~ '^[a-z][a-z0-9_]{{0,39}}$'),
            CONSTRAINT ck_pipeline_stages_category CHECK (category IN {_CATEGORIES}),
            CONSTRAINT fk_pipeline_stages_organization_id_organizations
                FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
        );
        CREATE TABLE applications (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            posting_id uuid NOT NULL,
            organization_id uuid NOT NULL,
            candidate_id uuid NOT NULL,
            resume_id uuid,
            stage_key text NOT NULL,
            stage_category text NOT NULL,
            answers jsonb NOT NULL DEFAULT '[]',
            cover_letter text,
            consent_version text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_applications PRIMARY KEY (id),
            CONSTRAINT uq_applications_posting_id_candidate_id UNIQUE (posting_id, candidate_id),
            CONSTRAINT ck_applications_stage_category CHECK (stage_category IN {_CATEGORIES}),
            CONSTRAINT fk_applications_posting_id_postings
                FOREIGN KEY (posting_id) REFERENCES postings (id) ON DELETE CASCADE,
            CONSTRAINT fk_applications_candidate_id_users
                FOREIGN KEY (candidate_id) REFERENCES users (id) ON DELETE CASCADE,
            CONSTRAINT fk_applications_resume_id_resumes
                FOREIGN KEY (resume_id) REFERENCES resumes (id) ON DELETE SET NULL
        );
        CREATE INDEX ix_applications_organization_id
            ON applications (organization_id, created_at);
        CREATE INDEX ix_applications_candidate_id ON applications (candidate_id, created_at);
        CREATE INDEX ix_applications_resume_id ON applications (resume_id);
        CREATE TABLE application_events (
            id bigint GENERATED ALWAYS AS IDENTITY,
            application_id uuid NOT NULL,
            organization_id uuid NOT NULL,
            candidate_id uuid NOT NULL,
            from_stage text,
            to_stage text NOT NULL,
            actor_id uuid,
            reason text,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_application_events PRIMARY KEY (id),
            CONSTRAINT fk_application_events_application_id_applications
                FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_application_events_application_id
            ON application_events (application_id, id);
    """)
    op.execute("""
        ALTER TABLE pipeline_stages ENABLE ROW LEVEL SECURITY;
        ALTER TABLE pipeline_stages FORCE ROW LEVEL SECURITY;
        CREATE POLICY pipeline_stages_org ON pipeline_stages FOR ALL
            USING (organization_id = ANY (app_org_ids()))
            WITH CHECK (organization_id = ANY (app_org_ids()));
        CREATE POLICY pipeline_stages_platform_admin ON pipeline_stages FOR SELECT
            USING (app_platform_admin());
    """)
    for table in ("applications", "application_events"):
        op.execute(f"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY {table}_org ON {table} FOR ALL
                USING (organization_id = ANY (app_org_ids()))
                WITH CHECK (organization_id = ANY (app_org_ids()));
            CREATE POLICY {table}_candidate ON {table} FOR ALL
                USING (candidate_id = app_user_id()) WITH CHECK (candidate_id = app_user_id());
            CREATE POLICY {table}_platform_admin ON {table} FOR SELECT
                USING (app_platform_admin());
        """)
    # Organizations read the resumes candidates applied to them with.
    op.execute("""
        CREATE POLICY resumes_applied_to ON resumes FOR SELECT USING (EXISTS (
            SELECT 1 FROM applications a
            WHERE a.resume_id = resumes.id AND a.organization_id = ANY (app_org_ids())))
    """)


def downgrade() -> None:
    op.execute("DROP POLICY resumes_applied_to ON resumes")
    op.execute("DROP TABLE application_events")
    op.execute("DROP TABLE applications")
    op.execute("DROP TABLE pipeline_stages")
