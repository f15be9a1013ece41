"""Every answer of a limited route carries RateLimit-Policy and RateLimit, errors included."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio
PASSWORD = "a long enough passphrase"  # noqa: S105 - a test account's password
# The draft's structured fields: '"<policy>";q=<quota>;w=<window>' and '"<policy>";r=<n>;t=<s>'.
POLICY = re.compile(r'^"(?P<name>[a-z_]+)";q=\d+;w=\d+$')
REMAINING = re.compile(r'^"(?P<name>[a-z_]+)";r=\d+;t=\d+$')


@pytest.fixture
def email(database_url: str) -> Iterator[str]:
    address = f"limits-{secrets.token_hex(4)}@example.com"
    yield address
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM users WHERE email = %s", (address,))


@pytest.fixture
def app(database_url: str, tmp_path: Path, redis_url: str) -> FastAPI:
    settings = make_settings(
        database_url, tmp_path, redis_url=redis_url, login_free_failures_per_source=1
    )
    return create_app(settings)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


def success_bodies(email: str) -> dict[str, tuple[dict[str, Any], int]]:
    """A request each limited route accepts, and its status (the account exists)."""
    return {
        "/v1/auth/signup": ({"email": "x" + email, "password": PASSWORD, "name": "Ada"}, 202),
        "/v1/auth/token": ({"email": email, "password": PASSWORD}, 200),
        "/v1/auth/password-reset": ({"email": email}, 202),
        "/v1/checks": ({"text": "Backend Engineer, Denver. Pay: $150,000-$180,000."}, 200),
    }


def limited_paths(app: FastAPI) -> set[str]:
    """Routes with a ``rate_limit`` dependency, found by walking the included routers."""
    found: set[str] = set()
    pending: list[Any] = list(app.router.routes)
    while pending:
        route = pending.pop()
        pending.extend(getattr(getattr(route, "original_router", None), "routes", []))
        if isinstance(route, APIRoute) and any(
            d.call is not None and d.call.__name__ == "limited"
            for d in route.dependant.dependencies
        ):
            found.add(route.path)
    return found


def assert_limit_headers(response: httpx.Response, policy: str) -> None:
    assert POLICY.match(response.headers["ratelimit-policy"]), response.headers
    assert REMAINING.match(response.headers["ratelimit"]), response.headers
    assert response.headers["ratelimit-policy"].startswith(f'"{policy}";')


async def sign_up(api: httpx.AsyncClient, email: str) -> None:
    body = {"email": email, "password": PASSWORD, "name": "Ada"}
    assert (await api.post("/v1/auth/signup", json=body)).status_code == 202


def test_the_success_table_covers_every_limited_route(app: FastAPI) -> None:
    assert limited_paths(app) == set(success_bodies("a@example.com"))


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/v1/auth/signup", "signup"),
        ("/v1/auth/token", "login"),
        ("/v1/auth/password-reset", "password_reset"),
        ("/v1/checks", "checks"),
    ],
)
async def test_success_and_invalid_input_carry_the_headers(
    api: httpx.AsyncClient, email: str, path: str, policy: str
) -> None:
    await sign_up(api, email)
    body, status = success_bodies(email)[path]
    accepted = await api.post(path, json=body)
    invalid = await api.post(path, json={})
    assert accepted.status_code == status, accepted.text
    assert invalid.status_code == 422
    assert_limit_headers(accepted, policy)
    assert_limit_headers(invalid, policy)


async def test_a_failed_and_a_throttled_login_carry_the_headers(
    api: httpx.AsyncClient, email: str
) -> None:
    await sign_up(api, email)
    wrong = {"email": email, "password": "not the password"}
    failed = [await api.post("/v1/auth/token", json=wrong) for _ in range(3)]
    assert [r.status_code for r in failed] == [401, 401, 429]
    for response in failed:
        assert_limit_headers(response, "login")
    remaining = [int(r.headers["ratelimit"].split(";r=")[1].split(";")[0]) for r in failed]
    assert remaining == sorted(remaining, reverse=True)


async def test_the_address_limit_429_carries_the_headers(
    database_url: str, tmp_path: Path, email: str
) -> None:
    settings = make_settings(database_url, tmp_path, login_attempts_per_address="1/minute")
    async with running(create_app(settings)) as api:
        body = {"email": email, "password": PASSWORD}
        await api.post("/v1/auth/token", json=body)
        refused = await api.post("/v1/auth/token", json=body)
    assert refused.status_code == 429
    assert refused.headers["ratelimit"].startswith('"login";r=0;')
    assert_limit_headers(refused, "login")
