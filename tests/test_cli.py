"""The command line: help everywhere, db commands, clear configuration errors."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import make_url
from typer.testing import CliRunner

from hireboard import __version__, migrate
from hireboard.cli import main
from hireboard.cli.main import app
from hireboard.cli.serve import _exit_cleanly
from hireboard.config import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def _logging(keep_root_logging: None) -> None:
    """The CLI installs its JSON handler on the root logger."""


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"HIREBOARD_DATABASE_URL": database_url, "HIREBOARD_DATA_DIR": str(tmp_path)}


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["worker"],
        ["db"],
        ["db", "upgrade"],
        ["db", "downgrade"],
        ["db", "current"],
        ["db", "sql"],
        ["jobs"],
        ["jobs", "failed"],
        ["jobs", "retry"],
        ["jobs", "discard"],
        ["users"],
        ["users", "create-admin"],
        ["version"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.output.strip() == __version__
    flag = runner.invoke(app, ["--version"])
    assert (flag.exit_code, flag.output.strip()) == (0, f"hireboard {__version__}")


def test_help_shows_each_options_variable_and_default() -> None:
    """Plain help text: the bracketed parts are not eaten as Rich markup."""
    result = runner.invoke(app, ["serve", "--help"], terminal_width=200)
    assert "[env: HIREBOARD_HOST; default 127.0.0.1]" in result.output
    assert "[env: HIREBOARD_PORT; default 8000]" in result.output


def test_db_current_reports_up_to_date(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["db", "current"], env=env)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_db_upgrade_on_migrated_database_is_a_no_op(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert f"schema at {migrate.head_revision(Settings(), 'postgresql://x@y/z')}" in result.output
    assert "(0 migrations applied in" in result.output
    assert "Context impl" not in result.output  # Alembic's chatter stays out


def test_db_upgrade_names_each_migration_as_it_runs(empty_database: str, tmp_path: Path) -> None:
    env = {"HIREBOARD_DATABASE_URL": empty_database, "HIREBOARD_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    steps = [line for line in result.output.splitlines() if line.startswith("upgrade ")]
    revisions = migrate.revisions(Settings())
    assert len(steps) == len(revisions)
    for step, revision in zip(steps, revisions, strict=True):
        assert f"-> {revision}: " in step  # the target and the migration's one-line summary
    assert f"({len(revisions)} migrations applied in" in result.output


def test_db_downgrade_and_back(empty_database: str, tmp_path: Path) -> None:
    env = {"HIREBOARD_DATABASE_URL": empty_database, "HIREBOARD_DATA_DIR": str(tmp_path)}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    down = runner.invoke(app, ["db", "downgrade", "base"], env=env)
    assert down.exit_code == 0, down.output
    assert "schema at None" in down.output
    behind = runner.invoke(app, ["db", "current"], env=env)
    assert "behind" in behind.output


def test_db_sql_prints_without_a_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "sql"], env={"HIREBOARD_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "CREATE ROLE" in result.output
    split = runner.invoke(app, ["db", "sql", "--output-dir", str(tmp_path / "sql")])
    assert split.exit_code == 0
    assert list((tmp_path / "sql").glob("*.sql"))


def test_invalid_configuration_exits_2_naming_the_variable(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "current"], env={"HIREBOARD_PORT": "not-a-port"})
    assert result.exit_code == 2
    assert "HIREBOARD_PORT" in result.output


def test_production_without_secrets_refuses_to_serve() -> None:
    result = runner.invoke(app, ["serve"], env={"HIREBOARD_ENV": "production"})
    assert result.exit_code == 2
    assert "HIREBOARD_METRICS_TOKEN" in result.output


def test_signals_unwind_instead_of_killing() -> None:
    with pytest.raises(SystemExit) as caught:
        _exit_cleanly(15, None)
    assert caught.value.code == 0


def test_an_unreachable_database_is_one_line_with_exit_69(tmp_path: Path) -> None:
    env = {"HIREBOARD_DATABASE_URL": "postgresql://hb:pw@127.0.0.1:1/hb"}
    result = runner.invoke(app, ["db", "current"], env=env)
    assert result.exit_code == 69
    assert result.output.count("\n") == 1
    assert "cannot reach the database at 127.0.0.1:1/hb (Connection refused)" in result.output
    assert "pw" not in result.output  # never the password


def test_a_missing_database_says_to_create_it(server_url: str) -> None:
    url = make_url(server_url).set(database="hb_no_such_database")
    missing = url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["db", "upgrade"], env={"HIREBOARD_DATABASE_URL": missing})
    assert result.exit_code == 78
    assert 'database "hb_no_such_database" does not exist' in result.output
    assert "createdb" in result.output


def test_an_unusable_data_directory_is_one_line_with_exit_73(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    env = {"HIREBOARD_DATA_DIR": str(not_a_dir / "data")}
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = str(free.getsockname()[1])
    for command in (["db", "current"], ["serve", "--port", port]):
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 73, result.output
        assert "cannot use the data directory" in result.output
        assert "Traceback" not in result.output


def test_a_port_in_use_fails_before_any_start_up_work(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"HIREBOARD_DATA_DIR": str(tmp_path / "data")}
        result = runner.invoke(app, ["serve", "--port", str(port)], env=env)
    assert result.exit_code == 69
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert not (tmp_path / "data").exists()  # no initdb, no migrations


def test_an_unexpected_error_is_one_line_unless_debugging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> None:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(main, "app", broken)
    with pytest.raises(SystemExit) as exited:
        main.run()
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip() == (
        "hireboard: unexpected RuntimeError: disk on fire (--debug shows the traceback)"
    )
    monkeypatch.setitem(main._debug, "on", True)
    with pytest.raises(RuntimeError, match="disk on fire"):
        main.run()
