"""Row-level security as the app role: the second wall behind the policy layer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hireboard.identity.keys import load_keys
from tests.fixtures.database import make_settings
from tests.fixtures.world import World, build_world_with

OWNED = ("organization_members", "invitations", "api_keys", "audit_log")


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    settings = make_settings(database_url, tmp_path)
    built = build_world_with(settings, load_keys(settings), database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO audit_log (organization_id, action) VALUES (%s, 'test'), (%s, 'test')",
            (built.organization_id, built.other_organization_id),
        )
    yield built
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "DELETE FROM organizations WHERE id = ANY(%s)",
            ([built.organization_id, built.other_organization_id],),
        )
        conn.execute("DELETE FROM users WHERE id = ANY(%s)", (list(built.users.values()),))


def as_app(database_url: str, **context: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection as the app role with ``app.*`` settings for its first transaction."""
    conn = psycopg.connect(database_url, options="-c role=hireboard_app")
    for name, value in context.items():
        conn.execute("SELECT set_config(%s, %s, true)", (f"app.{name}", value))
    return conn


def visible(conn: psycopg.Connection[tuple[object, ...]], table: str, world: World) -> set[str]:
    rows = conn.execute(
        f"SELECT DISTINCT organization_id::text FROM {table} WHERE organization_id = ANY(%s)",  # noqa: S608
        ([world.organization_id, world.other_organization_id],),
    ).fetchall()
    return {str(r[0]) for r in rows}


def test_nothing_set_hides_every_organization_owned_row(database_url: str, world: World) -> None:
    with as_app(database_url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("hireboard_app",)
        for table in OWNED:
            assert visible(conn, table, world) == set(), table
        # The organization's public profile stays public.
        orgs = conn.execute(
            "SELECT count(*) FROM organizations WHERE id = %s", (world.organization_id,)
        ).fetchone()
        assert orgs == (1,)


def test_an_organization_sees_its_own_rows_only(database_url: str, world: World) -> None:
    with as_app(database_url, org_ids="{" + str(world.organization_id) + "}") as conn:
        for table in OWNED:
            assert visible(conn, table, world) == {str(world.organization_id)}, table


def test_a_user_sees_their_own_memberships(database_url: str, world: World) -> None:
    with as_app(database_url, user_id=str(world.users["outsider"])) as conn:
        rows = conn.execute(
            "SELECT organization_id FROM organization_members WHERE organization_id = ANY(%s)",
            ([world.organization_id, world.other_organization_id],),
        ).fetchall()
        assert rows == [(world.other_organization_id,)]
        assert visible(conn, "api_keys", world) == set()


def test_platform_admin_policy_sees_everything(database_url: str, world: World) -> None:
    both = {str(world.organization_id), str(world.other_organization_id)}
    with as_app(database_url, platform_admin="on") as conn:
        for table in OWNED:
            assert visible(conn, table, world) >= {str(world.organization_id)}, table
        assert visible(conn, "audit_log", world) == both


def test_writes_outside_the_acting_organization_are_refused(
    database_url: str, world: World
) -> None:
    with (
        as_app(database_url, org_ids="{" + str(world.organization_id) + "}") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        conn.execute(
            "INSERT INTO organization_members (organization_id, user_id, role) "
            "VALUES (%s, %s, 'owner')",
            (world.other_organization_id, world.users["candidate"]),
        )
    with as_app(database_url, org_ids="{" + str(world.organization_id) + "}") as conn:
        moved = conn.execute(
            "UPDATE api_keys SET organization_id = organization_id WHERE organization_id = %s",
            (world.other_organization_id,),
        )
        assert moved.rowcount == 0


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
)
def test_the_audit_log_is_append_only(database_url: str, world: World, statement: str) -> None:
    with (
        as_app(database_url, platform_admin="on") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


def test_a_presented_credential_shows_that_one_key(database_url: str, world: World) -> None:
    secret_hash = hashlib.sha256(world.api_key.encode()).hexdigest()
    with as_app(database_url, credential_hash=secret_hash) as conn:
        rows = conn.execute("SELECT id FROM api_keys").fetchall()
        assert rows == [(world.api_key_id,)]


def test_drafts_are_private_and_published_postings_public(database_url: str, world: World) -> None:
    with as_app(database_url) as conn:
        drafts = conn.execute("SELECT id FROM postings WHERE id = %s", (world.posting_id,))
        assert drafts.fetchall() == []
    with psycopg.connect(database_url) as owner:
        owner.execute("UPDATE postings SET status = 'published' WHERE id = %s", (world.posting_id,))
    with as_app(database_url) as conn:
        public = conn.execute("SELECT id FROM postings WHERE id = %s", (world.posting_id,))
        assert public.fetchall() == [(world.posting_id,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO postings (organization_id, title, role_family, level, "
                "employment_type, workplace_type, description) VALUES "
                "(%s, 't', 'backend-engineer', 'mid', 'full_time', 'onsite', 'd')",
                (world.organization_id,),
            )


def test_market_tables_are_written_by_the_trigger_only(database_url: str, world: World) -> None:
    with (
        as_app(database_url, platform_admin="on") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(
            "INSERT INTO market_pay (posting_id, currency, mid_annual) VALUES (%s, 'USD', 1)",
            (world.posting_id,),
        )
