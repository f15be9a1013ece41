"""Sign-up, login, refresh rotation with reuse detection, logout, and token attacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from hireboard.app import create_app
from hireboard.identity.keys import load_keys
from tests.fixtures.app import running
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio
PASSWORD = "a long enough passphrase"  # noqa: S105 - a test account's password


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> FastAPI:
    return create_app(make_settings(database_url, tmp_path))


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


@pytest.fixture
def email(database_url: str) -> Iterator[str]:
    address = f"user-{secrets.token_hex(4)}@example.com"
    yield address
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM users WHERE email = %s", (address,))


async def signed_up(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    assert (
        await api.post(
            "/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": "Ada"}
        )
    ).status_code == 202
    response = await api.post("/v1/auth/token", json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_signup_answers_the_same_for_taken_addresses(
    api: httpx.AsyncClient, email: str
) -> None:
    body = {"email": email, "password": PASSWORD, "name": "Ada"}
    first, again = (
        await api.post("/v1/auth/signup", json=body),
        await api.post("/v1/auth/signup", json=body),
    )
    assert first.status_code == again.status_code == 202
    assert first.content == again.content


@pytest.mark.parametrize("password", ["short", "1234567890", "aaaaaaaaaaaa"])
async def test_weak_passwords_are_refused(
    api: httpx.AsyncClient, email: str, password: str
) -> None:
    response = await api.post(
        "/v1/auth/signup", json={"email": email, "password": password, "name": "Ada"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"


async def test_unknown_fields_are_refused(api: httpx.AsyncClient, email: str) -> None:
    response = await api.post(
        "/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "name": "Ada", "is_platform_admin": True},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "is_platform_admin"]


async def test_login_and_me(api: httpx.AsyncClient, email: str) -> None:
    tokens = await signed_up(api, email)
    assert tokens["token_type"] == "bearer"  # noqa: S105
    assert int(tokens["expires_in"]) == 900
    me = await api.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == email
    assert me.json()["email_verified"] is False


async def test_wrong_password_and_unknown_email_look_the_same(
    api: httpx.AsyncClient, email: str
) -> None:
    await signed_up(api, email)
    wrong = await api.post("/v1/auth/token", json={"email": email, "password": "not the password!"})
    unknown = await api.post(
        "/v1/auth/token", json={"email": "x" + email, "password": "not the password!"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_me_needs_a_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_refresh_rotates_and_reuse_ends_the_family(
    api: httpx.AsyncClient, email: str
) -> None:
    first = await signed_up(api, email)
    second = (
        await api.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    reused = await api.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "invalid_refresh_token"
    after = await api.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401  # the whole family was revoked
    assert (await api.get("/v1/me", headers=bearer(second["access_token"]))).status_code == 401


async def test_unknown_refresh_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/auth/refresh", json={"refresh_token": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_refresh_token"


async def test_logout_ends_the_session_at_once(api: httpx.AsyncClient, email: str) -> None:
    tokens = await signed_up(api, email)
    assert (
        await api.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 204
    assert (await api.get("/v1/me", headers=bearer(tokens["access_token"]))).status_code == 401
    refreshed = await api.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401


async def test_logout_all_and_disabled_users(
    api: httpx.AsyncClient, email: str, database_url: str
) -> None:
    one, two = (
        await signed_up(api, email),
        (await api.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json(),
    )
    assert (
        await api.post("/v1/auth/logout-all", headers=bearer(one["access_token"]))
    ).status_code == 204
    assert (await api.get("/v1/me", headers=bearer(two["access_token"]))).status_code == 401
    three = (await api.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json()
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE users SET disabled_at = now() WHERE email = %s", (email,))
    assert (await api.get("/v1/me", headers=bearer(three["access_token"]))).status_code == 401


def hs256(claims: dict[str, object], secret: bytes, kid: str) -> str:
    """The classic confusion attack, built by hand: HMAC keyed with the public key's PEM."""
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': kid})}.{_b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _b64(data: dict[str, object] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_jwks_publishes_the_verifying_key(api: httpx.AsyncClient, email: str) -> None:
    tokens = await signed_up(api, email)
    keys = (await api.get("/.well-known/jwks.json")).json()["keys"]
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    key = jwt.PyJWK(jwk).key
    claims = jwt.decode(tokens["access_token"], key, algorithms=["EdDSA"], audience="hireboard-api")
    assert claims["iss"] == "hireboard"


async def test_forged_and_broken_tokens_are_refused(
    api: httpx.AsyncClient, app: FastAPI, email: str
) -> None:
    tokens = await signed_up(api, email)
    good = tokens["access_token"]
    header, payload, signature = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    keys = app.state.identity.keys
    public_pem = keys.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    stranger = Ed25519PrivateKey.generate()
    now = datetime.now(UTC)

    def signed(
        extra_claims: dict[str, object],
        headers: dict[str, object] | None = None,
        key: Ed25519PrivateKey | None = None,
    ) -> str:
        return jwt.encode(
            {**claims, **extra_claims},
            key or keys.private_key,
            algorithm="EdDSA",
            headers={"kid": keys.kid, "typ": "at+jwt", **(headers or {})},
        )

    forged = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'at+jwt', 'kid': keys.kid})}.{payload}.",
        "HS256 with the public key": hs256(claims, public_pem, keys.kid),
        "unknown kid": signed({}, {"kid": "someone-else"}),
        "jku header": signed({}, {"jku": "https://evil.example/jwks.json"}),
        "embedded jwk": signed({}, {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}}),
        "wrong audience": signed({"aud": "another-api"}),
        "wrong issuer": signed({"iss": "evil"}),
        "wrong typ": signed({}, {"typ": "JWT"}),
        "expired": signed({"exp": now - timedelta(minutes=1)}),
        "not yet valid": signed({"nbf": now + timedelta(minutes=5)}),
        "other key": signed({}, key=stranger),
        "tampered payload": f"{header}.{_b64({**claims, 'sub': claims['sub'][::-1]})}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "garbage": "not.a.jwt",
    }
    assert (await api.get("/v1/me", headers=bearer(good))).status_code == 200
    for name, token in forged.items():
        response = await api.get("/v1/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json()["code"] == "invalid_token", name


def _private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_rotated_keys_stay_in_the_jwks(database_url: str, tmp_path: Path) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    before = make_settings(database_url, tmp_path, jwt_private_key=_private_pem(old))
    after = make_settings(
        database_url,
        tmp_path,
        jwt_private_key=_private_pem(new),
        jwt_previous_public_keys=[_public_pem(old)],
    )
    old_kid, rotated = load_keys(before).kid, load_keys(after)
    assert rotated.kid != old_kid
    assert old_kid in rotated.public_keys
    assert {k["kid"] for k in rotated.jwks()["keys"]} == {old_kid, rotated.kid}


def test_development_key_is_kept_in_the_data_directory(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path)
    first, second = load_keys(settings), load_keys(settings)
    assert first.kid == second.kid
    key_file = tmp_path / "keys" / "jwt-ed25519.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


async def test_change_password_ends_other_sessions(api: httpx.AsyncClient, email: str) -> None:
    here = await signed_up(api, email)
    elsewhere = (
        await api.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    ).json()
    new_password = "an even longer passphrase"  # noqa: S105 - a test account's password
    wrong = await api.post(
        "/v1/me/password",
        json={"current_password": "not it at all", "new_password": new_password},
        headers=bearer(here["access_token"]),
    )
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "wrong_password"
    changed = await api.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=bearer(here["access_token"]),
    )
    assert changed.status_code == 204
    assert (await api.get("/v1/me", headers=bearer(here["access_token"]))).status_code == 200
    assert (await api.get("/v1/me", headers=bearer(elsewhere["access_token"]))).status_code == 401
    old = await api.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    assert (
        await api.post("/v1/auth/token", json={"email": email, "password": new_password})
    ).status_code == 200


async def test_signups_per_address_are_limited(
    database_url: str, tmp_path: Path, email: str
) -> None:
    app = create_app(make_settings(database_url, tmp_path, signups_per_address="1/hour"))
    async with running(app) as client:
        body = {"email": email, "password": PASSWORD, "name": "Ada"}
        assert (await client.post("/v1/auth/signup", json=body)).status_code == 202
        limited = await client.post("/v1/auth/signup", json=body)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
