"""`hireboard users create-admin`: password from stdin, never a prompt without a terminal."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from hireboard.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _logging(keep_root_logging: None) -> None:
    """The CLI installs its JSON handler on the root logger."""


@pytest.fixture
def email(database_url: str) -> Iterator[str]:
    address = f"admin-{secrets.token_hex(4)}@example.com"
    yield address
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM users WHERE email = %s", (address,))


def is_admin(database_url: str, email: str) -> bool | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT is_platform_admin FROM users WHERE email = %s", (email,)
        ).fetchone()
    return None if row is None else bool(row[0])


def test_create_admin_reads_the_password_from_stdin(
    database_url: str, tmp_path: Path, email: str
) -> None:
    env = {"HIREBOARD_DATABASE_URL": database_url, "HIREBOARD_DATA_DIR": str(tmp_path)}
    args = ["users", "create-admin", "--email", email, "--password-stdin"]
    created = runner.invoke(app, args, input="an admin passphrase\n", env=env)
    assert created.exit_code == 0, created.output
    assert "created" in created.output
    assert is_admin(database_url, email) is True
    again = runner.invoke(app, args, input="an admin passphrase\n", env=env)
    assert "promoted" in again.output


def test_create_admin_without_a_terminal_does_not_prompt(
    database_url: str, tmp_path: Path, email: str
) -> None:
    env = {"HIREBOARD_DATABASE_URL": database_url, "HIREBOARD_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["users", "create-admin", "--email", email], input="", env=env)
    assert result.exit_code == 2
    assert "--password-stdin" in result.output
    assert is_admin(database_url, email) is None


def test_create_admin_refuses_weak_passwords(database_url: str, tmp_path: Path, email: str) -> None:
    env = {"HIREBOARD_DATABASE_URL": database_url, "HIREBOARD_DATA_DIR": str(tmp_path)}
    args = ["users", "create-admin", "--email", email, "--password-stdin"]
    result = runner.invoke(app, args, input="short\n", env=env)
    assert result.exit_code == 2
    assert is_admin(database_url, email) is None


@pytest.mark.parametrize(
    ("option", "value"),
    [("--email", "bad-email"), ("--email", "admin\x00@example.com"), ("--name", "Ad\r\nmin")],
)
def test_create_admin_validates_like_sign_up(
    database_url: str, tmp_path: Path, email: str, option: str, value: str
) -> None:
    """Issue 19.9: an address sign-up would refuse made an admin who could never log in."""
    env = {"HIREBOARD_DATABASE_URL": database_url, "HIREBOARD_DATA_DIR": str(tmp_path)}
    args = ["users", "create-admin", "--email", email, "--password-stdin", option, value]
    result = runner.invoke(app, args, input="an admin passphrase\n", env=env)
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith(f"hireboard: {option}: ") and "\n" not in message
    assert is_admin(database_url, email) is None
