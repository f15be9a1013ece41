"""Job postings with structured pay, their history and moderation reports.

Postings are organization-owned (row-level security): an organization sees all of its
own; everyone sees those published, closed or expired; removed ones and drafts stay
private. Search reads ``search_vector`` (title A, skills B, description C) and a trigram
index on the title for the typo-tolerant fallback.

Revision ID: 0008_postings
Revises: 0007_job_templates
Create Date: 2026-11-23 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0008_postings"
down_revision: str | None = "0007_job_templates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# years_experience and template versions are small counts.
SQUAWK_IGNORE = ("prefer-bigint-over-int",)


def _role() -> str:
    return '"' + context.config.get_main_option("app_role", "hireboard_app") + '"'


def upgrade() -> None:
    # Trusted since PostgreSQL 13: the schema owner may create it without superuser.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("""
        CREATE TABLE postings (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            organization_id uuid NOT NULL,
            status text NOT NULL DEFAULT 'draft',
            title text NOT NULL,
            role_family text NOT NULL,
            level text NOT NULL,
            employment_type text NOT NULL,
            workplace_type text NOT NULL,
            remote_from text[] NOT NULL DEFAULT '{}',
            locations jsonb NOT NULL DEFAULT '[]',
            countries text[] NOT NULL DEFAULT '{}',
            description text NOT NULL,
            required_skills text[] NOT NULL DEFAULT '{}',
            nice_to_have_skills text[] NOT NULL DEFAULT '{}',
            years_experience integer,
            benefits text[] NOT NULL DEFAULT '{}',
            closes_at timestamptz,
            apply_url text,
            vacancy_exists boolean,
            ai_screening boolean,
            pay_ranges jsonb NOT NULL DEFAULT '[]',
            annualisation_factors jsonb NOT NULL DEFAULT '{}',
            pay_currency text,
            pay_min_annual numeric,
            pay_max_annual numeric,
            template_id uuid,
            template_version integer,
            search_vector tsvector NOT NULL DEFAULT ''::tsvector,
            published_at timestamptz,
            closed_at timestamptz,
            removed_at timestamptz,
            created_by uuid,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_postings PRIMARY KEY (id),
            CONSTRAINT ck_postings_status
                CHECK (status IN ('draft', 'published', 'closed', 'expired', 'removed')),
            CONSTRAINT ck_postings_pay CHECK (pay_min_annual <= pay_max_annual),
            CONSTRAINT fk_postings_organization_id_organizations
                FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
            CONSTRAINT fk_postings_created_by_users
                FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
        );
        CREATE INDEX ix_postings_organization_id ON postings (organization_id, created_at);
        CREATE INDEX ix_postings_published ON postings (published_at DESC, id DESC)
            WHERE status = 'published';
        CREATE INDEX ix_postings_updated_at ON postings (updated_at, id);
        CREATE INDEX ix_postings_search_vector ON postings USING gin (search_vector);
        CREATE INDEX ix_postings_title_trgm ON postings USING gin (title gin_trgm_ops);
        CREATE INDEX ix_postings_required_skills ON postings USING gin (required_skills);
        CREATE INDEX ix_postings_countries ON postings USING gin (countries);
        CREATE INDEX ix_postings_closes_at ON postings (closes_at) WHERE status = 'published';

        CREATE TABLE posting_history (
            id bigint GENERATED ALWAYS AS IDENTITY,
            posting_id uuid NOT NULL,
            organization_id uuid NOT NULL,
            action text NOT NULL,
            actor_user_id uuid,
            actor_api_key_id uuid,
            changes jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_posting_history PRIMARY KEY (id),
            CONSTRAINT fk_posting_history_posting_id_postings
                FOREIGN KEY (posting_id) REFERENCES postings (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_posting_history_posting_id ON posting_history (posting_id, id);

        CREATE TABLE posting_reports (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            posting_id uuid NOT NULL,
            reporter_id uuid NOT NULL,
            reason text NOT NULL,
            details text,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_posting_reports PRIMARY KEY (id),
            CONSTRAINT ck_posting_reports_reason CHECK (reason IN
                ('spam', 'scam', 'discriminatory', 'misleading_pay', 'closed_position', 'other')),
            CONSTRAINT fk_posting_reports_posting_id_postings
                FOREIGN KEY (posting_id) REFERENCES postings (id) ON DELETE CASCADE,
            CONSTRAINT fk_posting_reports_reporter_id_users
                FOREIGN KEY (reporter_id) REFERENCES users (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_posting_reports_posting_id ON posting_reports (posting_id);
    """)
    # The search vector follows the text it is made of, whoever writes the row.
    op.execute("""
        CREATE FUNCTION postings_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector :=
                setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
                || setweight(to_tsvector('english', array_to_string(
                    NEW.required_skills || NEW.nice_to_have_skills, ' ')), 'B')
                || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER trg_postings_search_vector
            BEFORE INSERT OR UPDATE OF title, required_skills, nice_to_have_skills, description
            ON postings FOR EACH ROW EXECUTE FUNCTION postings_search_vector();
    """)
    op.execute("""
        ALTER TABLE postings ENABLE ROW LEVEL SECURITY;
        ALTER TABLE postings FORCE ROW LEVEL SECURITY;
        CREATE POLICY postings_public_read ON postings FOR SELECT
            USING (status IN ('published', 'closed', 'expired'));
        CREATE POLICY postings_org ON postings FOR ALL
            USING (organization_id = ANY (app_org_ids()))
            WITH CHECK (organization_id = ANY (app_org_ids()));
        CREATE POLICY postings_platform_admin ON postings FOR ALL
            USING (app_platform_admin()) WITH CHECK (app_platform_admin());

        ALTER TABLE posting_history ENABLE ROW LEVEL SECURITY;
        ALTER TABLE posting_history FORCE ROW LEVEL SECURITY;
        CREATE POLICY posting_history_org_read ON posting_history FOR SELECT
            USING (organization_id = ANY (app_org_ids()));
        CREATE POLICY posting_history_org_write ON posting_history FOR INSERT
            WITH CHECK (organization_id = ANY (app_org_ids()));
        CREATE POLICY posting_history_platform_admin_read ON posting_history FOR SELECT
            USING (app_platform_admin());
        CREATE POLICY posting_history_platform_admin_write ON posting_history FOR INSERT
            WITH CHECK (app_platform_admin());

        ALTER TABLE posting_reports ENABLE ROW LEVEL SECURITY;
        ALTER TABLE posting_reports FORCE ROW LEVEL SECURITY;
        CREATE POLICY posting_reports_reporter ON posting_reports FOR ALL
            USING (reporter_id = app_user_id()) WITH CHECK (reporter_id = app_user_id());
        CREATE POLICY posting_reports_platform_admin ON posting_reports FOR SELECT
            USING (app_platform_admin());
    """)
    op.execute(f"REVOKE UPDATE, DELETE ON posting_history FROM {_role()}")
    # Moderation (a takedown) is recorded in the organization's audit log by the operator.
    op.execute(
        "CREATE POLICY audit_log_platform_admin_write ON audit_log FOR INSERT "
        "WITH CHECK (app_platform_admin())"
    )


def downgrade() -> None:
    op.execute("DROP POLICY audit_log_platform_admin_write ON audit_log")
    op.execute("DROP TABLE posting_reports")
    op.execute("DROP TABLE posting_history")
    op.execute("DROP TABLE postings")
    op.execute("DROP FUNCTION postings_search_vector()")
    # pg_trgm stays: another schema in this database may use it.
