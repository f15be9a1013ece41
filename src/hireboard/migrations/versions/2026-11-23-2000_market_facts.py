"""Market statistics' source: one narrow row per published posting, kept by triggers.

``market_facts`` holds what the statistics filter and group by; ``market_pay`` the
annualised midpoint of each posting's pay in each currency (its first range in that
currency). Triggers on ``postings`` keep both equal to the published set in the same
transaction as every publish, edit, close, expiry or takedown, so statistics are exact.
The trigger function runs as the schema owner (SECURITY DEFINER): the app role can read
these tables but not write them.

Revision ID: 0009_market_facts
Revises: 0008_postings
Create Date: 2026-11-23 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_market_facts"
down_revision: str | None = "0008_postings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE market_facts (
            posting_id uuid NOT NULL,
            organization_id uuid NOT NULL,
            role_family text NOT NULL,
            level text NOT NULL,
            workplace_type text NOT NULL,
            countries text[] NOT NULL,
            skills text[] NOT NULL,
            published_at timestamptz NOT NULL,
            CONSTRAINT pk_market_facts PRIMARY KEY (posting_id),
            CONSTRAINT fk_market_facts_posting_id_postings
                FOREIGN KEY (posting_id) REFERENCES postings (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_market_facts_role_family ON market_facts (role_family, level);
        CREATE INDEX ix_market_facts_published_at ON market_facts (published_at);
        CREATE INDEX ix_market_facts_organization_id ON market_facts (organization_id);
        CREATE INDEX ix_market_facts_skills ON market_facts USING gin (skills);
        CREATE INDEX ix_market_facts_countries ON market_facts USING gin (countries);
        CREATE TABLE market_pay (
            posting_id uuid NOT NULL,
            currency text NOT NULL,
            mid_annual numeric NOT NULL,
            CONSTRAINT pk_market_pay PRIMARY KEY (posting_id, currency),
            CONSTRAINT fk_market_pay_posting_id_postings
                FOREIGN KEY (posting_id) REFERENCES postings (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_market_pay_currency ON market_pay (currency, mid_annual);

        -- Derived from public postings: readable by all, written only by the trigger.
        ALTER TABLE market_facts ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_facts_read ON market_facts FOR SELECT USING (true);
        ALTER TABLE market_pay ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_pay_read ON market_pay FOR SELECT USING (true);

        CREATE FUNCTION market_facts_sync() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM market_facts WHERE posting_id = OLD.id;
                DELETE FROM market_pay WHERE posting_id = OLD.id;
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.status = 'published' THEN
                INSERT INTO market_facts (posting_id, organization_id, role_family, level,
                    workplace_type, countries, skills, published_at)
                VALUES (NEW.id, NEW.organization_id, NEW.role_family, NEW.level,
                    NEW.workplace_type, NEW.countries,
                    NEW.required_skills || NEW.nice_to_have_skills,
                    coalesce(NEW.published_at, now()));
                INSERT INTO market_pay (posting_id, currency, mid_annual)
                SELECT DISTINCT ON (r->>'currency') NEW.id, r->>'currency',
                    (coalesce((r->>'annual_min')::numeric, (r->>'annual_max')::numeric)
                     + coalesce((r->>'annual_max')::numeric, (r->>'annual_min')::numeric)) / 2
                FROM jsonb_array_elements(NEW.pay_ranges) WITH ORDINALITY AS e(r, n)
                WHERE coalesce(r->>'annual_min', r->>'annual_max') IS NOT NULL
                ORDER BY r->>'currency', n;
            END IF;
            RETURN NULL;
        END
        $$;
        REVOKE ALL ON FUNCTION market_facts_sync() FROM PUBLIC;
        CREATE TRIGGER trg_postings_market_facts
            AFTER INSERT OR UPDATE OR DELETE ON postings
            FOR EACH ROW EXECUTE FUNCTION market_facts_sync();
    """)
    # Postings published before this migration.
    op.execute("""
        INSERT INTO market_facts (posting_id, organization_id, role_family, level,
            workplace_type, countries, skills, published_at)
        SELECT id, organization_id, role_family, level, workplace_type, countries,
            required_skills || nice_to_have_skills, coalesce(published_at, now())
        FROM postings WHERE status = 'published'
    """)
    op.execute("""
        INSERT INTO market_pay (posting_id, currency, mid_annual)
        SELECT DISTINCT ON (p.id, r->>'currency') p.id, r->>'currency',
            (coalesce((r->>'annual_min')::numeric, (r->>'annual_max')::numeric)
             + coalesce((r->>'annual_max')::numeric, (r->>'annual_min')::numeric)) / 2
        FROM postings p, jsonb_array_elements(p.pay_ranges) WITH ORDINALITY AS e(r, n)
        WHERE p.status = 'published'
            AND coalesce(r->>'annual_min', r->>'annual_max') IS NOT NULL
        ORDER BY p.id, r->>'currency', n
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER trg_postings_market_facts ON postings")
    op.execute("DROP FUNCTION market_facts_sync()")
    op.execute("DROP TABLE market_pay")
    op.execute("DROP TABLE market_facts")
