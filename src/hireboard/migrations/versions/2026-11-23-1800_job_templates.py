"""Job-description templates: built-ins (no organization) and organizations' own, versioned.

Every edit adds a row to ``job_template_versions``; earlier versions stay readable.
Built-ins are public; an organization's templates are visible to its members only
(row-level security, as for every organization-owned table).

Revision ID: 0007_job_templates
Revises: 0006_organizations
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_job_templates"
down_revision: str | None = "0006_organizations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Version numbers count edits of one template: 32 bits are plenty.
SQUAWK_IGNORE = ("prefer-bigint-over-int",)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE job_templates (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            organization_id uuid,
            builtin_id text,
            role_family text NOT NULL,
            title text NOT NULL,
            current_version integer NOT NULL DEFAULT 1,
            copied_from uuid,
            created_by uuid,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_job_templates PRIMARY KEY (id),
            CONSTRAINT uq_job_templates_builtin_id UNIQUE (builtin_id),
            CONSTRAINT ck_job_templates_owner
                CHECK ((organization_id IS NULL) = (builtin_id IS NOT NULL)),
            CONSTRAINT fk_job_templates_organization_id_organizations
                FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
            CONSTRAINT fk_job_templates_created_by_users
                FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
        );
        CREATE INDEX ix_job_templates_organization_id ON job_templates (organization_id);
        CREATE TABLE job_template_versions (
            template_id uuid NOT NULL,
            version integer NOT NULL,
            organization_id uuid,
            content jsonb NOT NULL,
            content_hash text NOT NULL,
            created_by uuid,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_job_template_versions PRIMARY KEY (template_id, version),
            CONSTRAINT fk_job_template_versions_template_id_job_templates
                FOREIGN KEY (template_id) REFERENCES job_templates (id) ON DELETE CASCADE,
            CONSTRAINT fk_job_template_versions_created_by_users
                FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
        );
    """)
    for table in ("job_templates", "job_template_versions"):
        op.execute(f"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY {table}_read ON {table} FOR SELECT
                USING (organization_id IS NULL OR organization_id = ANY (app_org_ids()));
            CREATE POLICY {table}_org_write ON {table} FOR INSERT
                WITH CHECK (organization_id = ANY (app_org_ids()));
            CREATE POLICY {table}_org_update ON {table} FOR UPDATE
                USING (organization_id = ANY (app_org_ids()))
                WITH CHECK (organization_id = ANY (app_org_ids()));
            CREATE POLICY {table}_platform_admin ON {table} FOR ALL
                USING (app_platform_admin()) WITH CHECK (app_platform_admin());
        """)


def downgrade() -> None:
    op.execute("DROP TABLE job_template_versions")
    op.execute("DROP TABLE job_templates")
