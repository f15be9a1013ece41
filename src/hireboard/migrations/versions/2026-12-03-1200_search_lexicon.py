"""Search lexicon: the distinct words of published postings, for typo suggestions.

A query that matches nothing used to fall back to a trigram match over every title (``%>``
on ``market_facts.title``): about 5 s at a million postings. Suggestions now come from
``search_lexicon``, one row per distinct word of the published titles and skills (tens of
thousands of rows, not millions), through a trigram index on the word; the query is then
rewritten with the suggested words and runs through the ordinary full-text index.

Words are split as the search vectors split them (the same text parser), but with the
``simple`` configuration: lower-cased and not stemmed, so a suggestion is a word a person
would type (``engineer``, not the stem ``engin``), which the search then stems as usual.

Keeping it current:

- a statement-level trigger on ``market_facts`` inserts the new words of every publish or
  edit (edits re-insert the posting's facts) with ``ON CONFLICT DO NOTHING``: a word that
  is already there takes no row lock, so publishes never queue behind one another on
  common words such as "engineer";
- ``search_lexicon_refresh()`` recounts every word and drops those no published posting
  uses any more; the ``search.refresh_lexicon`` job runs it every hour and
  ``seed synthetic`` after a load. Counts only rank equally similar suggestions, and a
  stale word only leads to a rewritten search that finds nothing, so an hour is enough.

The trigram index on ``market_facts.title``, which only the old fallback used, is dropped.

Revision ID: 0021_search_lexicon
Revises: 0020_market_summaries
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0021_search_lexicon"
down_revision: str | None = "0020_market_summaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The upgrade ends outside Alembic's transaction, with a rerunnable DROP INDEX CONCURRENTLY
# IF EXISTS; squawk asks every statement of such a migration to be rerunnable.
SQUAWK_IGNORE = ("prefer-robust-stmts",)


def _role() -> str:
    # Settings validate the name against ^[a-z_][a-z0-9_]{0,62}$, so quoting is enough.
    return '"' + context.config.get_main_option("app_role", "hireboard_app") + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE search_lexicon (
            word text NOT NULL,
            postings bigint NOT NULL,
            CONSTRAINT pk_search_lexicon PRIMARY KEY (word)
        );
        CREATE INDEX ix_search_lexicon_word_trgm ON search_lexicon
            USING gin (word gin_trgm_ops);
        ALTER TABLE search_lexicon ENABLE ROW LEVEL SECURITY;
        CREATE POLICY search_lexicon_read ON search_lexicon FOR SELECT USING (true);

        -- The words of one posting's title and skills, as the search vectors split them.
        -- Shorter than 3 letters, a word has too few trigrams to be corrected.
        CREATE FUNCTION search_lexicon_words(title text, skills text[]) RETURNS SETOF text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple',
                coalesce(title, '') || ' ' || array_to_string(coalesce(skills, '{}'), ' ')))) w
            WHERE length(w) BETWEEN 3 AND 40
        $$;

        CREATE FUNCTION search_lexicon_add() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            INSERT INTO search_lexicon (word, postings)
            SELECT w, count(*) FROM changed, search_lexicon_words(changed.title, changed.skills) w
            GROUP BY w ORDER BY w
            ON CONFLICT (word) DO NOTHING;
            RETURN NULL;
        END
        $$;
        REVOKE ALL ON FUNCTION search_lexicon_add() FROM PUBLIC;
        CREATE TRIGGER trg_market_facts_lexicon AFTER INSERT ON market_facts
            REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_add();

        -- Exact counts, and no word that no published posting uses. Returns the rows changed.
        CREATE FUNCTION search_lexicon_refresh() RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            changed bigint;
        BEGIN
            WITH counted AS MATERIALIZED (
                SELECT w AS word, count(*) AS postings
                FROM market_facts f, search_lexicon_words(f.title, f.skills) w GROUP BY w
            ), gone AS (
                DELETE FROM search_lexicon l
                WHERE NOT EXISTS (SELECT FROM counted c WHERE c.word = l.word)
                RETURNING 1
            ), kept AS (
                INSERT INTO search_lexicon AS l (word, postings)
                SELECT word, postings FROM counted ORDER BY word
                ON CONFLICT (word) DO UPDATE SET postings = EXCLUDED.postings
                WHERE l.postings <> EXCLUDED.postings
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM kept) INTO changed;
            RETURN changed;
        END
        $$;
        REVOKE ALL ON FUNCTION search_lexicon_refresh() FROM PUBLIC;
    """)
    op.execute(f"GRANT EXECUTE ON FUNCTION search_lexicon_refresh() TO {_role()}")
    # The words of the postings published before this migration.
    op.execute("SELECT search_lexicon_refresh()")
    # The titles' trigram index served only the old fallback, and costs every publish.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_market_facts_title_trgm")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_market_facts_title_trgm "
            "ON market_facts USING gin (title gin_trgm_ops)"
        )
    op.execute("""
        DROP TRIGGER trg_market_facts_lexicon ON market_facts;
        DROP FUNCTION search_lexicon_add();
        DROP FUNCTION search_lexicon_refresh();
        DROP FUNCTION search_lexicon_words(text, text[]);
        DROP TABLE search_lexicon;
    """)
