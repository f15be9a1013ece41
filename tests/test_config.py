"""Settings: defaults, validation, production refusals, and their documentation."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr, ValidationError

from hireboard import config
from hireboard.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
STRONG = "s3cr3t-" + "x" * 30
JWT_KEY = SecretStr(
    Ed25519PrivateKey.generate()
    .private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    .decode()
)


def test_defaults_are_development_and_embedded() -> None:
    settings = Settings()
    assert settings.env == "development"
    assert settings.embedded
    assert settings.show_docs
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.max_json_body_bytes == 1024 * 1024


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIREBOARD_PORT", "9001")
    monkeypatch.setenv("HIREBOARD_HOST", "0.0.0.0")
    monkeypatch.setenv("HIREBOARD_CORS_ORIGINS", '["https://a.example"]')
    settings = Settings()
    assert (settings.host, settings.port) == ("0.0.0.0", 9001)
    assert settings.cors_origins == ["https://a.example"]


def test_production_refuses_missing_secrets() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(env="production")
    message = str(caught.value)
    assert "HIREBOARD_DATABASE_URL" in message
    assert "HIREBOARD_METRICS_TOKEN" in message
    assert "HIREBOARD_JWT_PRIVATE_KEY" in message
    assert "HIREBOARD_SMTP_HOST" in message
    assert "HIREBOARD_PUBLIC_URL" in message


def test_trusted_hosts_default_to_the_public_url_and_loopback_in_development() -> None:
    assert Settings().allowed_hosts == {"127.0.0.1", "localhost", "::1"}
    public = Settings(public_url="https://Jobs.Example:8443/board")
    assert public.allowed_hosts == {"jobs.example", "127.0.0.1", "localhost", "::1"}
    production = Settings(
        env="production",
        database_url=SecretStr("postgresql://db/x"),
        jwt_private_key=JWT_KEY,
        smtp_host="smtp.example",
        public_url="https://jobs.example",
        metrics_port=9100,
    )
    assert production.allowed_hosts == {"jobs.example"}
    listed = Settings(trusted_hosts=["API.example", "*.jobs.example"])
    assert listed.allowed_hosts == {"api.example", "*.jobs.example"}


@pytest.mark.parametrize("url", ["jobs.example", "ftp://jobs.example", "https://x.example/?a=1"])
def test_public_url_must_be_an_absolute_http_url(url: str) -> None:
    with pytest.raises(ValidationError, match="public_url"):
        Settings(public_url=url)


@pytest.mark.parametrize("token", ["changeme", "secret", "short-but-random"])
def test_production_refuses_default_or_weak_secrets(token: str) -> None:
    with pytest.raises(ValidationError, match="HIREBOARD_METRICS_TOKEN"):
        Settings(
            env="production",
            database_url=SecretStr("postgresql://db/x"),
            jwt_private_key=JWT_KEY,
            smtp_host="smtp.example",
            public_url="https://jobs.example",
            metrics_token=SecretStr(token),
        )


def test_production_accepts_real_secrets_or_a_metrics_port() -> None:
    with_token = Settings(
        env="production",
        database_url=SecretStr("postgresql://db/x"),
        jwt_private_key=JWT_KEY,
        smtp_host="smtp.example",
        public_url="https://jobs.example",
        metrics_token=SecretStr(STRONG),
    )
    assert not with_token.show_docs
    with_port = Settings(
        env="production",
        database_url=SecretStr("postgresql://db/x"),
        jwt_private_key=JWT_KEY,
        smtp_host="smtp.example",
        public_url="https://jobs.example",
        metrics_port=9100,
    )
    assert with_port.production_problems() == []


def test_docs_can_be_enabled_in_production() -> None:
    settings = Settings(
        env="production",
        database_url=SecretStr("postgresql://db/x"),
        jwt_private_key=JWT_KEY,
        smtp_host="smtp.example",
        public_url="https://jobs.example",
        metrics_port=9100,
        docs_enabled=True,
    )
    assert settings.show_docs


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("database_url", "mysql://db/x"),
        ("redis_url", "http://cache"),
        ("app_role", "Robert'); DROP"),
        ("port", 0),
    ],
)
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_secrets_do_not_leak_in_repr() -> None:
    settings = Settings(database_url=SecretStr("postgresql://u:pa55word@db/x"))
    assert "pa55word" not in repr(settings)


def test_default_data_dir_for_root_and_users(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert config.default_data_dir() == Path("/var/lib/hireboard")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_DATA_HOME", "/home/someone/.local/share")
    assert config.default_data_dir() == Path("/home/someone/.local/share/hireboard")


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"`(HIREBOARD_[A-Z0-9_]+)`", DOCS.read_text()))
    expected = {f"HIREBOARD_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "document these in docs/configuration.md"
    assert documented - expected - {"HIREBOARD_TEST_DATABASE_URL"} == set(), (
        "documented but not settings"
    )


def test_workers_default_to_the_cores_and_limits_follow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIREBOARD_WORKERS", raising=False)
    assert Settings().workers == config.available_cores()
    monkeypatch.setenv("HIREBOARD_WORKERS", "3")
    assert Settings().workers == 3
    assert Settings().limits_are_shared
    assert not Settings(workers=1).limits_are_shared
    assert Settings(workers=1, shared_limits=True).limits_are_shared
