"""Migrations go up, all the way down, and up again; the SQL they emit is lintable."""

from __future__ import annotations

from pathlib import Path

import psycopg

from hireboard import migrate
from tests.fixtures.database import make_settings


def privileges(url: str, role: str) -> dict[str, object]:
    with psycopg.connect(url) as conn:
        role_exists = conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        # The explicit grant (PUBLIC's own USAGE on schema public is not ours to take).
        schema_usage = conn.execute(
            "SELECT count(*) FROM pg_namespace "
            "WHERE nspname = 'public' AND nspacl::text LIKE '%%' || %s || '=U%%'",
            (role,),
        ).fetchone()
        defaults = conn.execute(
            "SELECT count(*) FROM pg_default_acl a, pg_roles r "
            "WHERE r.rolname = %s AND a.defaclacl::text LIKE '%%' || r.rolname || '=%%'",
            (role,),
        ).fetchone()
    assert role_exists and schema_usage and defaults
    return {"role": role_exists[0], "usage": schema_usage[0], "defaults": defaults[0]}


def test_upgrade_downgrade_upgrade(empty_database: str, tmp_path: Path) -> None:
    settings = make_settings(empty_database, tmp_path)
    head = migrate.head_revision(settings, empty_database)
    assert head is not None
    assert migrate.current_revision(settings, empty_database) is None

    migrate.upgrade(settings, empty_database)
    assert migrate.current_revision(settings, empty_database) == head
    assert privileges(empty_database, settings.app_role) == {"role": 1, "usage": 1, "defaults": 2}

    migrate.downgrade(settings, empty_database, "base")
    assert migrate.current_revision(settings, empty_database) is None
    after = privileges(empty_database, settings.app_role)
    assert after["usage"] == 0
    assert after["defaults"] == 0

    migrate.upgrade(settings, empty_database)
    assert migrate.current_revision(settings, empty_database) == head


def test_upgrade_is_idempotent(empty_database: str, tmp_path: Path) -> None:
    settings = make_settings(empty_database, tmp_path)
    migrate.upgrade(settings, empty_database)
    migrate.upgrade(settings, empty_database)
    assert migrate.current_revision(settings, empty_database) == migrate.head_revision(
        settings, empty_database
    )


def test_offline_sql_sets_timeouts_per_migration(tmp_path: Path) -> None:
    settings = make_settings("postgresql://unused@localhost/none", tmp_path, lock_timeout_ms=1234)
    files = migrate.write_sql_per_migration(settings, tmp_path)
    assert files
    for path in files:
        sql = path.read_text()
        assert "SET lock_timeout = '1234ms'" in sql
        assert "SET statement_timeout" in sql
        assert "BEGIN;" in sql
        assert "COMMIT;" in sql
    assert "CREATE ROLE" in files[0].read_text()
