"""Organizations, members, invitations, API keys and the audit log, behind row-level security.

Every organization-owned table has FORCE ROW LEVEL SECURITY. Each transaction says who is
acting through three settings the app sets with ``set_config(..., true)``: ``app.user_id``,
``app.org_ids`` (a uuid array literal) and ``app.platform_admin`` (``on``). A fourth,
``app.credential_hash``, shows the one invitation or API key whose secret the caller
presented. With nothing set, organization-owned rows are invisible.

Revision ID: 0006_organizations
Revises: 0005_one_time_tokens
Create Date: 2026-11-23 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0006_organizations"
down_revision: str | None = "0005_one_time_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = """
    CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
    CREATE FUNCTION app_org_ids() RETURNS uuid[] LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT coalesce(nullif(current_setting('app.org_ids', true), ''), '{}')::uuid[] $$;
    CREATE FUNCTION app_platform_admin() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT coalesce(current_setting('app.platform_admin', true), '') = 'on' $$;
    CREATE FUNCTION app_credential_hash() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT nullif(current_setting('app.credential_hash', true), '') $$;
"""

_TABLES = """
    CREATE TABLE organizations (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        slug text NOT NULL,
        website text,
        logo_url text,
        description text,
        headcount bigint,
        headcount_by_region jsonb NOT NULL DEFAULT '{}',
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_organizations PRIMARY KEY (id),
        CONSTRAINT uq_organizations_slug UNIQUE (slug),
        CONSTRAINT ck_organizations_slug CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
        CONSTRAINT ck_organizations_headcount CHECK (headcount >= 0),
        CONSTRAINT ck_organizations_headcount_by_region
            CHECK (jsonb_typeof(headcount_by_region) = 'object'),
        CONSTRAINT fk_organizations_created_by_users FOREIGN KEY (created_by)
            REFERENCES users (id) ON DELETE SET NULL
    );
    CREATE TABLE organization_members (
        organization_id uuid NOT NULL,
        user_id uuid NOT NULL,
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_organization_members PRIMARY KEY (organization_id, user_id),
        CONSTRAINT ck_organization_members_role
            CHECK (role IN ('owner', 'admin', 'recruiter', 'hiring_manager')),
        CONSTRAINT fk_organization_members_organization_id_organizations
            FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
        CONSTRAINT fk_organization_members_user_id_users
            FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
    );
    CREATE INDEX ix_organization_members_user_id ON organization_members (user_id);
    CREATE TABLE invitations (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        email text NOT NULL,
        role text NOT NULL,
        token_hash text,
        invited_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by uuid,
        revoked_at timestamptz,
        CONSTRAINT pk_invitations PRIMARY KEY (id),
        CONSTRAINT uq_invitations_token_hash UNIQUE (token_hash),
        CONSTRAINT ck_invitations_role
            CHECK (role IN ('owner', 'admin', 'recruiter', 'hiring_manager')),
        CONSTRAINT ck_invitations_email_normalised CHECK (email = lower(btrim(email))),
        CONSTRAINT fk_invitations_organization_id_organizations
            FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
        CONSTRAINT fk_invitations_invited_by_users
            FOREIGN KEY (invited_by) REFERENCES users (id) ON DELETE SET NULL,
        CONSTRAINT fk_invitations_accepted_by_users
            FOREIGN KEY (accepted_by) REFERENCES users (id) ON DELETE SET NULL
    );
    CREATE UNIQUE INDEX uq_invitations_pending ON invitations (organization_id, email)
        WHERE accepted_at IS NULL AND revoked_at IS NULL;
    CREATE TABLE api_keys (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        secret_hash text NOT NULL,
        scopes text[] NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz,
        CONSTRAINT pk_api_keys PRIMARY KEY (id),
        CONSTRAINT uq_api_keys_secret_hash UNIQUE (secret_hash),
        CONSTRAINT fk_api_keys_organization_id_organizations
            FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
        CONSTRAINT fk_api_keys_created_by_users
            FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
    );
    CREATE INDEX ix_api_keys_organization_id ON api_keys (organization_id);
    CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY,
        organization_id uuid NOT NULL,
        actor_user_id uuid,
        actor_api_key_id uuid,
        action text NOT NULL,
        target_type text,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}',
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_audit_log PRIMARY KEY (id),
        CONSTRAINT fk_audit_log_organization_id_organizations
            FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
    );
    CREATE INDEX ix_audit_log_organization_id_id ON audit_log (organization_id, id DESC);
"""

_POLICIES = """
    ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
    -- The public profile is public; changes belong to members (the service checks roles).
    CREATE POLICY organizations_public_read ON organizations FOR SELECT USING (true);
    CREATE POLICY organizations_create ON organizations FOR INSERT
        WITH CHECK (app_user_id() IS NOT NULL);
    CREATE POLICY organizations_members_update ON organizations FOR UPDATE
        USING (id = ANY (app_org_ids())) WITH CHECK (id = ANY (app_org_ids()));
    CREATE POLICY organizations_platform_admin ON organizations FOR ALL
        USING (app_platform_admin()) WITH CHECK (app_platform_admin());

    ALTER TABLE organization_members ENABLE ROW LEVEL SECURITY;
    ALTER TABLE organization_members FORCE ROW LEVEL SECURITY;
    CREATE POLICY organization_members_org ON organization_members FOR ALL
        USING (organization_id = ANY (app_org_ids()))
        WITH CHECK (organization_id = ANY (app_org_ids()));
    -- A user's own memberships: how the app learns which organizations to set.
    CREATE POLICY organization_members_own ON organization_members FOR SELECT
        USING (user_id = app_user_id());
    CREATE POLICY organization_members_platform_admin ON organization_members FOR ALL
        USING (app_platform_admin()) WITH CHECK (app_platform_admin());

    ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
    CREATE POLICY invitations_org ON invitations FOR ALL
        USING (organization_id = ANY (app_org_ids()))
        WITH CHECK (organization_id = ANY (app_org_ids()));
    -- Whoever holds the emailed token sees that one invitation.
    CREATE POLICY invitations_token_holder ON invitations FOR SELECT
        USING (token_hash = app_credential_hash());
    CREATE POLICY invitations_platform_admin ON invitations FOR ALL
        USING (app_platform_admin()) WITH CHECK (app_platform_admin());

    ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY api_keys_org ON api_keys FOR ALL
        USING (organization_id = ANY (app_org_ids()))
        WITH CHECK (organization_id = ANY (app_org_ids()));
    -- Authenticating a key: its holder sees (and stamps the last use of) that one key.
    CREATE POLICY api_keys_key_holder ON api_keys FOR SELECT
        USING (secret_hash = app_credential_hash());
    CREATE POLICY api_keys_key_holder_touch ON api_keys FOR UPDATE
        USING (secret_hash = app_credential_hash())
        WITH CHECK (secret_hash = app_credential_hash());
    CREATE POLICY api_keys_platform_admin ON api_keys FOR ALL
        USING (app_platform_admin()) WITH CHECK (app_platform_admin());

    ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
    ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
    CREATE POLICY audit_log_org_read ON audit_log FOR SELECT
        USING (organization_id = ANY (app_org_ids()));
    CREATE POLICY audit_log_org_write ON audit_log FOR INSERT
        WITH CHECK (organization_id = ANY (app_org_ids()));
    CREATE POLICY audit_log_platform_admin ON audit_log FOR SELECT
        USING (app_platform_admin());
"""


def _role() -> str:
    return '"' + context.config.get_main_option("app_role", "hireboard_app") + '"'


def upgrade() -> None:
    op.execute(_FUNCTIONS)
    op.execute(_TABLES)
    op.execute(_POLICIES)
    # The audit log is append-only for the app: no policy allows it, and no grant either.
    op.execute(f"REVOKE UPDATE, DELETE ON audit_log FROM {_role()}")


def downgrade() -> None:
    op.execute("DROP TABLE audit_log")
    op.execute("DROP TABLE api_keys")
    op.execute("DROP TABLE invitations")
    op.execute("DROP TABLE organization_members")
    op.execute("DROP TABLE organizations")
    op.execute("DROP FUNCTION app_credential_hash()")
    op.execute("DROP FUNCTION app_platform_admin()")
    op.execute("DROP FUNCTION app_org_ids()")
    op.execute("DROP FUNCTION app_user_id()")
