"""The application's database role: no login, no ownership, no superuser, no RLS bypass.

The app connects as the owner and switches to this role (or uses its own login through
HIREBOARD_APP_DATABASE_URL, which must be granted this role). Default privileges give it
data access to every table later migrations create, and nothing else.

Revision ID: 0001_app_role
Revises:
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0001_app_role"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _role() -> str:
    # Settings validate the name against ^[a-z_][a-z0-9_]{0,62}$, so quoting is enough.
    return '"' + context.config.get_main_option("app_role", "hireboard_app") + '"'


def upgrade() -> None:
    role = _role()
    name = role.strip('"')
    op.execute(f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            END IF;
            -- A non-superuser owner needs membership to switch into the role.
            IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                EXECUTE 'GRANT ' || quote_ident('{name}') || ' TO ' || quote_ident(current_user);
            END IF;
        END
        $$
    """)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"
    )
    # /readyz, running as the app, compares the schema's revision with the code's.
    op.execute(f"GRANT SELECT ON alembic_version TO {role}")


def downgrade() -> None:
    role = _role()
    op.execute(f"REVOKE SELECT ON alembic_version FROM {role}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {role}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}"
    )
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
    # Roles are cluster-wide: another database on this server may still use it.
    op.execute(f"""
        DO $$
        BEGIN
            DROP ROLE IF EXISTS {role};
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role % is still used by another database; kept', '{role}';
        END
        $$
    """)
