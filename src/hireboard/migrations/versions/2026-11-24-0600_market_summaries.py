"""Market summaries: counts kept per role family so statistics need not read every posting.

Statement-level triggers on ``market_facts`` and ``market_pay`` add each statement's rows
to small summary tables, aggregated first (one upsert per key, in key order, so concurrent
publishes queue on a row instead of deadlocking), and take them away again on delete. The
summaries are therefore exact in the same transaction as every publish, edit or close.
A removal is an upsert of a negative count (a CHECK on ``n`` would see that negative row
before the conflict is resolved, so there is none; the tests compare every summary with a
recount instead).

- ``market_role_cells``: postings per role family, level, workplace type and ISO week.
- ``market_role_skills`` and ``market_role_orgs``: postings per role family and skill or
  organization.
- ``market_pay_buckets``: pay midpoints per role family, currency and 2 %-wide logarithmic
  bucket. A percentile's rank is found in the bucket counts, and the value is read from the
  few ``market_pay`` rows of that one bucket through an index: exact, without sorting the
  whole distribution.
- ``market_pay_weeks``: pay midpoints per role family, currency, week and 10 %-wide bucket,
  for weekly medians over several role families in the same way.
- ``market_pay_quantiles`` and ``market_pay_week_medians``: the figures themselves per
  role family and currency (min, p10, p25, median, p75, p90, max) and per week (median),
  recomputed for the groups a statement touches. That costs a publish a few milliseconds
  (a sort of one role family's pay in one currency) and makes reading one role family's
  figures a lookup; the buckets serve several role families at once.

``market_pay`` is derived data, so it is rebuilt with the columns the lookups need
(role family, publication time, and from them the week and the bucket).

Revision ID: 0020_market_summaries
Revises: 0019_application_match_score
Create Date: 2026-11-24 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020_market_summaries"
down_revision: str | None = "0019_application_match_score"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# market_pay holds only derived rows, rebuilt from postings in this same transaction.
# The indexes on market_facts are built (and one replaced) on rows this migration has just
# written, in its own transaction.
SQUAWK_IGNORE = (
    "ban-drop-table",
    "prefer-bigint-over-int",
    "require-concurrent-index-creation",
    "require-concurrent-index-deletion",
)

# market_facts' columns: most copy the posting's column of the same name.
_FACTS_0009 = (
    "posting_id, organization_id, role_family, level, workplace_type, countries, skills, "
    "published_at"
)
_FACTS = _FACTS_0009 + ", title, search_vector, remote_from, pay_currency, pay_max_annual"


def _from_posting(columns: str, row: str) -> str:
    """The values of ``market_facts`` columns taken from the posting ``row``."""
    special = {
        "posting_id": f"{row}.id",
        "skills": f"{row}.required_skills || {row}.nice_to_have_skills",
        "published_at": f"coalesce({row}.published_at, now())",
    }
    return ", ".join(special.get(c, f"{row}.{c}") for c in columns.split(", "))


_PAY_FROM_POSTINGS = """
    INSERT INTO market_pay (posting_id, role_family, currency, mid_annual, published_at)
    SELECT DISTINCT ON (p.id, r->>'currency') p.id, p.role_family, r->>'currency',
        (coalesce((r->>'annual_min')::numeric, (r->>'annual_max')::numeric)
         + coalesce((r->>'annual_max')::numeric, (r->>'annual_min')::numeric)) / 2,
        coalesce(p.published_at, now())
    FROM postings p, jsonb_array_elements(p.pay_ranges) WITH ORDINALITY AS e(r, n)
    WHERE p.status = 'published'
        AND coalesce(r->>'annual_min', r->>'annual_max') IS NOT NULL
    ORDER BY p.id, r->>'currency', n
"""


def upgrade() -> None:
    op.execute("""
        -- The ISO week (its Monday, in UTC) and the pay bucket, in one place.
        CREATE FUNCTION market_week(at timestamptz) RETURNS date
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN CAST(date_trunc('week', at AT TIME ZONE 'UTC') AS date);
        CREATE FUNCTION market_bucket(amount numeric) RETURNS integer
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN CAST(floor(ln(greatest(amount, 1)) * 50) AS integer);

        DROP TABLE market_pay;
        CREATE TABLE market_pay (
            posting_id uuid NOT NULL,
            role_family text NOT NULL,
            currency text NOT NULL,
            mid_annual numeric NOT NULL,
            published_at timestamptz NOT NULL,
            week date GENERATED ALWAYS AS (market_week(published_at)) STORED,
            bucket integer GENERATED ALWAYS AS (market_bucket(mid_annual)) STORED,
            coarse_bucket integer GENERATED ALWAYS AS (market_bucket(mid_annual) / 5) STORED,
            CONSTRAINT pk_market_pay PRIMARY KEY (posting_id, currency),
            CONSTRAINT fk_market_pay_posting_id_postings
                FOREIGN KEY (posting_id) REFERENCES postings (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_market_pay_role_bucket
            ON market_pay (role_family, currency, bucket, mid_annual);
        CREATE INDEX ix_market_pay_bucket ON market_pay (currency, bucket, mid_annual);
        CREATE INDEX ix_market_pay_role_week
            ON market_pay (role_family, currency, week, coarse_bucket, mid_annual);
        CREATE INDEX ix_market_pay_week
            ON market_pay (currency, week, coarse_bucket, mid_annual);
        ALTER TABLE market_pay ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_pay_read ON market_pay FOR SELECT USING (true);
    """)
    _summary_tables()
    _summary_triggers()
    _replace_sync(
        facts=_FACTS,
        pay_columns="posting_id, role_family, currency, mid_annual, published_at",
        pay_values="NEW.id, NEW.role_family, r->>'currency'",
        pay_extra=", coalesce(NEW.published_at, now())",
    )
    _refill()


def _summary_tables() -> None:
    op.execute("""
        CREATE TABLE market_role_cells (
            role_family text NOT NULL,
            level text NOT NULL,
            workplace_type text NOT NULL,
            week date NOT NULL,
            n integer NOT NULL,
            CONSTRAINT pk_market_role_cells
                PRIMARY KEY (role_family, level, workplace_type, week)
        );
        CREATE TABLE market_role_skills (
            role_family text NOT NULL,
            skill text NOT NULL,
            n integer NOT NULL,
            CONSTRAINT pk_market_role_skills PRIMARY KEY (role_family, skill)
        );
        CREATE TABLE market_role_orgs (
            role_family text NOT NULL,
            organization_id uuid NOT NULL,
            n integer NOT NULL,
            CONSTRAINT pk_market_role_orgs PRIMARY KEY (role_family, organization_id)
        );
        CREATE INDEX ix_market_role_orgs_top ON market_role_orgs (role_family, n DESC);
        CREATE TABLE market_pay_buckets (
            role_family text NOT NULL,
            currency text NOT NULL,
            bucket integer NOT NULL,
            n integer NOT NULL,
            CONSTRAINT pk_market_pay_buckets PRIMARY KEY (role_family, currency, bucket)
        );
        CREATE TABLE market_pay_weeks (
            role_family text NOT NULL,
            currency text NOT NULL,
            week date NOT NULL,
            coarse_bucket integer NOT NULL,
            n integer NOT NULL,
            CONSTRAINT pk_market_pay_weeks
                PRIMARY KEY (role_family, currency, week, coarse_bucket)
        );
        CREATE TABLE market_pay_quantiles (
            role_family text NOT NULL,
            currency text NOT NULL,
            n integer NOT NULL,
            figures double precision[],
            CONSTRAINT pk_market_pay_quantiles PRIMARY KEY (role_family, currency)
        );
        ALTER TABLE market_pay_quantiles ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_pay_quantiles_read ON market_pay_quantiles FOR SELECT USING (true);
        CREATE TABLE market_pay_week_medians (
            role_family text NOT NULL,
            currency text NOT NULL,
            week date NOT NULL,
            n integer NOT NULL,
            median double precision,
            CONSTRAINT pk_market_pay_week_medians PRIMARY KEY (role_family, currency, week)
        );
        ALTER TABLE market_pay_week_medians ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_pay_week_medians_read ON market_pay_week_medians
            FOR SELECT USING (true);
        ALTER TABLE market_role_cells ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_role_cells_read ON market_role_cells FOR SELECT USING (true);
        ALTER TABLE market_role_skills ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_role_skills_read ON market_role_skills FOR SELECT USING (true);
        ALTER TABLE market_role_orgs ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_role_orgs_read ON market_role_orgs FOR SELECT USING (true);
        ALTER TABLE market_pay_buckets ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_pay_buckets_read ON market_pay_buckets FOR SELECT USING (true);
        ALTER TABLE market_pay_weeks ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_pay_weeks_read ON market_pay_weeks FOR SELECT USING (true);
    """)


def _summary_triggers() -> None:
    op.execute("""
        -- Each trigger names its transition table "changed": added rows count +1, removed -1.
        CREATE FUNCTION market_facts_summarise() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
        BEGIN
            INSERT INTO market_role_cells AS c (role_family, level, workplace_type, week, n)
            SELECT role_family, level, workplace_type, market_week(published_at),
                sign * count(*)
            FROM changed GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (role_family, level, workplace_type, week)
            DO UPDATE SET n = c.n + EXCLUDED.n;
            INSERT INTO market_role_skills AS c (role_family, skill, n)
            SELECT role_family, s, sign * count(*)
            FROM changed, unnest(skills) AS s GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (role_family, skill) DO UPDATE SET n = c.n + EXCLUDED.n;
            INSERT INTO market_role_orgs AS c (role_family, organization_id, n)
            SELECT role_family, organization_id, sign * count(*)
            FROM changed GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (role_family, organization_id) DO UPDATE SET n = c.n + EXCLUDED.n;
            RETURN NULL;
        END
        $$;
        CREATE FUNCTION market_pay_summarise() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
        BEGIN
            INSERT INTO market_pay_buckets AS c (role_family, currency, bucket, n)
            SELECT role_family, currency, bucket, sign * count(*)
            FROM changed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (role_family, currency, bucket) DO UPDATE SET n = c.n + EXCLUDED.n;
            INSERT INTO market_pay_weeks AS c (role_family, currency, week, coarse_bucket, n)
            SELECT role_family, currency, week, coarse_bucket, sign * count(*)
            FROM changed GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (role_family, currency, week, coarse_bucket)
            DO UPDATE SET n = c.n + EXCLUDED.n;
            -- The figures of each group this statement touched, recomputed while holding the
            -- group's row lock, taken first: a concurrent writer to the same group waits for
            -- the lock, then computes with a snapshot that includes this transaction's rows.
            INSERT INTO market_pay_quantiles AS m (role_family, currency, n)
            SELECT DISTINCT role_family, currency, 0 FROM changed ORDER BY 1, 2
            ON CONFLICT (role_family, currency) DO UPDATE SET n = m.n;
            UPDATE market_pay_quantiles m SET n = s.n, figures = s.figures
            FROM (SELECT g.role_family, g.currency, count(p.mid_annual) AS n,
                    percentile_cont(ARRAY[0, 0.1, 0.25, 0.5, 0.75, 0.9, 1])
                        WITHIN GROUP (ORDER BY p.mid_annual) AS figures
                FROM (SELECT DISTINCT role_family, currency FROM changed) g
                LEFT JOIN market_pay p ON p.role_family = g.role_family
                    AND p.currency = g.currency
                GROUP BY 1, 2) s
            WHERE m.role_family = s.role_family AND m.currency = s.currency;
            INSERT INTO market_pay_week_medians AS m (role_family, currency, week, n)
            SELECT DISTINCT role_family, currency, week, 0 FROM changed ORDER BY 1, 2, 3
            ON CONFLICT (role_family, currency, week) DO UPDATE SET n = m.n;
            UPDATE market_pay_week_medians m SET n = s.n, median = s.median
            FROM (SELECT g.role_family, g.currency, g.week, count(p.mid_annual) AS n,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY p.mid_annual) AS median
                FROM (SELECT DISTINCT role_family, currency, week FROM changed) g
                LEFT JOIN market_pay p ON p.role_family = g.role_family
                    AND p.currency = g.currency AND p.week = g.week
                GROUP BY 1, 2, 3) s
            WHERE m.role_family = s.role_family AND m.currency = s.currency
                AND m.week = s.week;
            RETURN NULL;
        END
        $$;
        REVOKE ALL ON FUNCTION market_facts_summarise() FROM PUBLIC;
        REVOKE ALL ON FUNCTION market_pay_summarise() FROM PUBLIC;
        CREATE TRIGGER trg_market_pay_added AFTER INSERT ON market_pay
            REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION market_pay_summarise();
        CREATE TRIGGER trg_market_pay_removed AFTER DELETE ON market_pay
            REFERENCING OLD TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION market_pay_summarise();
    """)


def _refill() -> None:
    # Postings published before this migration: their facts taken out and added again
    # (with the new search columns) once the triggers exist, so the summaries count them.
    op.execute("""
        DELETE FROM market_facts;
        ALTER TABLE market_facts
            ADD COLUMN title text,
            ADD COLUMN search_vector tsvector,
            ADD COLUMN remote_from text[],
            ADD COLUMN pay_currency text,
            ADD COLUMN pay_max_annual numeric;
        CREATE TRIGGER trg_market_facts_added AFTER INSERT ON market_facts
            REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION market_facts_summarise();
        CREATE TRIGGER trg_market_facts_removed AFTER DELETE ON market_facts
            REFERENCING OLD TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION market_facts_summarise();
    """)
    op.execute(f"""
        INSERT INTO market_facts ({_FACTS})
        SELECT {_from_posting(_FACTS, "p")} FROM postings p WHERE p.status = 'published'
    """)
    op.execute(_PAY_FROM_POSTINGS)
    # Public search reads the published set here (see ``postings.search``).
    op.execute("""
        CREATE INDEX ix_market_facts_search_vector ON market_facts USING gin (search_vector);
        CREATE INDEX ix_market_facts_title_trgm ON market_facts USING gin (title gin_trgm_ops);
        CREATE INDEX ix_market_facts_published ON market_facts (published_at DESC, posting_id DESC);
        -- On role family alone: with the level the planner took it for level-only filters
        -- and built bitmaps of hundreds of thousands of rows.
        DROP INDEX ix_market_facts_role_family;
        CREATE INDEX ix_market_facts_role_family ON market_facts (role_family);
    """)


def downgrade() -> None:
    op.execute("""
        DROP TRIGGER trg_market_facts_added ON market_facts;
        DROP TRIGGER trg_market_facts_removed ON market_facts;
        DROP FUNCTION market_facts_summarise();
        DROP INDEX ix_market_facts_search_vector, ix_market_facts_title_trgm,
            ix_market_facts_published, ix_market_facts_role_family;
        CREATE INDEX ix_market_facts_role_family ON market_facts (role_family, level);
        ALTER TABLE market_facts DROP COLUMN title, DROP COLUMN search_vector,
            DROP COLUMN remote_from, DROP COLUMN pay_currency, DROP COLUMN pay_max_annual;
        DROP TABLE market_pay;
        DROP FUNCTION market_pay_summarise();
        DROP TABLE market_role_cells, market_role_skills, market_role_orgs,
            market_pay_buckets, market_pay_weeks, market_pay_week_medians,
            market_pay_quantiles;
        CREATE TABLE market_pay (
            posting_id uuid NOT NULL,
            currency text NOT NULL,
            mid_annual numeric NOT NULL,
            CONSTRAINT pk_market_pay PRIMARY KEY (posting_id, currency),
            CONSTRAINT fk_market_pay_posting_id_postings
                FOREIGN KEY (posting_id) REFERENCES postings (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_market_pay_currency ON market_pay (currency, mid_annual);
        ALTER TABLE market_pay ENABLE ROW LEVEL SECURITY;
        CREATE POLICY market_pay_read ON market_pay FOR SELECT USING (true);
        DROP FUNCTION market_week(timestamptz);
        DROP FUNCTION market_bucket(numeric);
    """)
    _replace_sync(
        facts=_FACTS_0009,
        pay_columns="posting_id, currency, mid_annual",
        pay_values="NEW.id, r->>'currency'",
        pay_extra="",
    )
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


def _replace_sync(*, facts: str, pay_columns: str, pay_values: str, pay_extra: str) -> None:
    """The postings trigger of 0009 with the given ``market_facts`` and ``market_pay``
    columns."""
    values = _from_posting(facts, "NEW")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION market_facts_sync() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM market_facts WHERE posting_id = OLD.id;
                DELETE FROM market_pay WHERE posting_id = OLD.id;
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.status = 'published' THEN
                INSERT INTO market_facts ({facts}) VALUES ({values});
                INSERT INTO market_pay ({pay_columns})
                SELECT DISTINCT ON (r->>'currency') {pay_values},
                    (coalesce((r->>'annual_min')::numeric, (r->>'annual_max')::numeric)
                     + coalesce((r->>'annual_max')::numeric, (r->>'annual_min')::numeric)) / 2
                    {pay_extra}
                FROM jsonb_array_elements(NEW.pay_ranges) WITH ORDINALITY AS e(r, n)
                WHERE coalesce(r->>'annual_min', r->>'annual_max') IS NOT NULL
                ORDER BY r->>'currency', n;
            END IF;
            RETURN NULL;
        END
        $$
    """)
