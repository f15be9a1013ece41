"""Candidates: profiles and resumes (user-owned, behind row-level security).

A profile and its resumes belong to one user: policies show them to that user
(``app.user_id``) and, for moderation, to platform admins; later issues add the
organizations a candidate applied to.

Revision ID: 0010_candidates
Revises: 0009_market_facts
Create Date: 2026-11-23 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_candidates"
down_revision: str | None = "0009_market_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE candidate_profiles (
            user_id uuid NOT NULL,
            headline text,
            skills jsonb NOT NULL DEFAULT '[]',
            desired_levels text[] NOT NULL DEFAULT '{}',
            desired_role_families text[] NOT NULL DEFAULT '{}',
            locations jsonb NOT NULL DEFAULT '[]',
            desired_workplace_types text[] NOT NULL DEFAULT '{}',
            pay_expectation jsonb,
            visibility text NOT NULL DEFAULT 'private',
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_candidate_profiles PRIMARY KEY (user_id),
            CONSTRAINT ck_candidate_profiles_visibility
                CHECK (visibility IN ('private', 'employers')),
            CONSTRAINT fk_candidate_profiles_user_id_users
                FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
        );
        CREATE TABLE resumes (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            user_id uuid NOT NULL,
            filename text NOT NULL,
            content_type text NOT NULL,
            size_bytes bigint NOT NULL,
            sha256 text NOT NULL,
            storage_key text NOT NULL,
            status text NOT NULL DEFAULT 'pending',
            text text,
            proposed_skills text[] NOT NULL DEFAULT '{}',
            error text,
            created_at timestamptz NOT NULL DEFAULT now(),
            parsed_at timestamptz,
            CONSTRAINT pk_resumes PRIMARY KEY (id),
            CONSTRAINT uq_resumes_storage_key UNIQUE (storage_key),
            CONSTRAINT ck_resumes_status CHECK (status IN ('pending', 'parsed', 'failed')),
            CONSTRAINT fk_resumes_user_id_users
                FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_resumes_user_id ON resumes (user_id, created_at);
    """)
    for table in ("candidate_profiles", "resumes"):
        op.execute(f"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY {table}_own ON {table} FOR ALL
                USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
            CREATE POLICY {table}_platform_admin ON {table} FOR SELECT
                USING (app_platform_admin());
        """)


def downgrade() -> None:
    op.execute("DROP TABLE resumes")
    op.execute("DROP TABLE candidate_profiles")
