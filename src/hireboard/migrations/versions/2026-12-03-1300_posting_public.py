"""Public renderings of postings: the detail JSON and the JSON-LD, stored once per write.

Anonymous reads of ``/v1/postings/{id}`` and ``/jsonld`` are the board's hottest path. They
used to open a row-level-security transaction (BEGIN, set_config, two joined reads,
ROLLBACK) and build the answer through pydantic on every request. ``posting_public`` keeps
the answer's bytes and ETag, written by ``postings.service`` in the same transaction as the
change that makes them (publish, edit while public, close, reopen, expiry), so an anonymous
read is one primary-key lookup on an autocommit connection.

A side table rather than columns on ``postings``: no rewrite of a million-row table, and the
postings rows the searches read stay narrow. A row with a NULL ``document`` marks a posting
that is not public (taken down): it makes a concurrent on-miss fill of the old form wait and
then do nothing (see ``postings.repository.fill_public``).

Postings without a row (loaded by ``seed synthetic``, or published before this migration)
are rendered on their first anonymous read and stored then, guarded by the posting's
``updated_at`` so that a fill never stores a form older than a concurrent write.

The organization's name, website and logo are part of the renderings: a trigger drops the
organization's rows when they change and tells every process's cache (``kit.cache``).

Revision ID: 0022_posting_public
Revises: 0021_search_lexicon
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022_posting_public"
down_revision: str | None = "0021_search_lexicon"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE posting_public (
            posting_id uuid NOT NULL,
            organization_id uuid NOT NULL,
            rendered_from timestamptz NOT NULL,
            document bytea,
            document_etag text,
            jsonld bytea,
            jsonld_etag text,
            CONSTRAINT pk_posting_public PRIMARY KEY (posting_id),
            CONSTRAINT fk_posting_public_posting FOREIGN KEY (posting_id)
                REFERENCES postings (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_posting_public_organization_id ON posting_public (organization_id);
    """)
    op.execute("""
        CREATE FUNCTION posting_public_forget_organization() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            dropped uuid;
        BEGIN
            FOR dropped IN DELETE FROM posting_public WHERE organization_id = NEW.id
                RETURNING posting_id
            LOOP
                PERFORM pg_notify('hireboard_cache', 'posting:' || dropped);
            END LOOP;
            PERFORM pg_notify('hireboard_cache', 'postings');
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER organizations_posting_public AFTER UPDATE OF name, website, logo_url
            ON organizations FOR EACH ROW
            WHEN (OLD.name IS DISTINCT FROM NEW.name
                  OR OLD.website IS DISTINCT FROM NEW.website
                  OR OLD.logo_url IS DISTINCT FROM NEW.logo_url)
            EXECUTE FUNCTION posting_public_forget_organization();
    """)


def downgrade() -> None:
    op.execute("""
        DROP TRIGGER organizations_posting_public ON organizations;
        DROP FUNCTION posting_public_forget_organization();
        DROP TABLE posting_public;
    """)
