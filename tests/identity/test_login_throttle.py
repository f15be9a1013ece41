"""Failed logins: throttled per (email, client address), a per-account ceiling, real Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from hireboard.app import create_app
from hireboard.errors import RateLimitUnavailable
from hireboard.kit.ratelimit import Policy, RateLimiter
from hireboard.kit.throttle import FailureThrottle, ThrottleRules, delay_after, source_of
from hireboard.observability.metrics import Metrics
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.redis import free_port

pytestmark = pytest.mark.anyio
PASSWORD = "a long enough passphrase"  # noqa: S105 - a test account's password
STRANGER, OWNER, OTHER = "198.51.100.7", "203.0.113.5", "192.0.2.44"


@pytest.fixture
def email(database_url: str) -> Iterator[str]:
    address = f"owner-{secrets.token_hex(4)}@example.com"
    yield address
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM users WHERE email = %s", (address,))


def throttled_app(
    database_url: str, tmp_path: Path, redis_url: str | None, **settings: object
) -> FastAPI:
    values: dict[str, object] = {"login_free_failures_per_source": 3, **settings}
    return create_app(make_settings(database_url, tmp_path, redis_url=redis_url, **values))


@asynccontextmanager
async def from_address(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 4321), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        yield client


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", json={"email": email, "password": password})


async def sign_up(client: httpx.AsyncClient, email: str) -> None:
    body = {"email": email, "password": PASSWORD, "name": "Owner"}
    assert (await client.post("/v1/auth/signup", json=body)).status_code == 202


async def test_a_stranger_cannot_lock_the_owner_out(
    database_url: str, tmp_path: Path, redis_url: str, email: str
) -> None:
    app = throttled_app(database_url, tmp_path, redis_url)
    async with running(app), from_address(app, STRANGER) as stranger:
        await sign_up(stranger, email)
        answers = [
            (await log_in(stranger, email, "wrong password!")).status_code for _ in range(12)
        ]
        async with from_address(app, OWNER) as owner:
            mine = await log_in(owner, email, PASSWORD)
    assert answers[:5] == [401, 401, 401, 401, 429]  # 3 free, one more, then a 1 s wait
    assert answers.count(401) <= 6  # more only as each doubling wait runs out
    assert mine.status_code == 200, mine.text


async def test_waits_grow_and_are_told_not_slept(
    database_url: str, tmp_path: Path, redis_url: str, email: str
) -> None:
    app = throttled_app(database_url, tmp_path, redis_url, login_free_failures_per_source=2)
    async with running(app), from_address(app, STRANGER) as client:
        await sign_up(client, email)
        free = [(await log_in(client, email, "wrong password!")).status_code for _ in range(3)]
        first_wait = await log_in(client, email, PASSWORD)  # right password, still refused
        await asyncio.sleep(1.1)
        after_wait = await log_in(client, email, "wrong password!")
        second_wait = await log_in(client, email, "wrong password!")
    assert free == [401, 401, 401]  # two free, the third is allowed and starts a 1 s wait
    assert first_wait.status_code == 429
    assert first_wait.json()["code"] == "rate_limited"
    assert first_wait.headers["retry-after"] == "1"
    assert after_wait.status_code == 401
    assert second_wait.status_code == 429
    assert second_wait.headers["retry-after"] == "2"


async def test_a_success_resets_the_address(
    database_url: str, tmp_path: Path, redis_url: str, email: str
) -> None:
    app = throttled_app(database_url, tmp_path, redis_url)
    async with running(app), from_address(app, OWNER) as owner:
        await sign_up(owner, email)
        typos = [(await log_in(owner, email, "wrong password!")).status_code for _ in range(3)]
        assert (await log_in(owner, email, PASSWORD)).status_code == 200
        again = [(await log_in(owner, email, "wrong password!")).status_code for _ in range(3)]
    assert typos == again == [401, 401, 401]


async def test_the_account_ceiling_stops_a_distributed_attack_but_not_known_addresses(
    database_url: str, tmp_path: Path, redis_url: str, email: str
) -> None:
    app = throttled_app(database_url, tmp_path, redis_url, login_failures_per_account="4/hour")
    async with running(app), from_address(app, OWNER) as owner:
        await sign_up(owner, email)
        assert (await log_in(owner, email, PASSWORD)).status_code == 200
        for n in range(4):
            async with from_address(app, f"198.51.100.{10 + n}") as attacker:
                assert (await log_in(attacker, email, "wrong password!")).status_code == 401
        async with from_address(app, OTHER) as unknown:
            refused = await log_in(unknown, email, PASSWORD)
        known = await log_in(owner, email, PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert known.status_code == 200, known.text


async def test_throttle_counts_in_redis_shared_by_every_process(
    database_url: str, tmp_path: Path, redis_url: str, email: str
) -> None:
    one = throttled_app(database_url, tmp_path, redis_url, login_free_failures_per_source=1)
    two = throttled_app(database_url, tmp_path, redis_url, login_free_failures_per_source=1)
    async with (
        running(one),
        running(two),
        from_address(one, STRANGER) as first,
        from_address(two, STRANGER) as second,
    ):
        assert (await log_in(first, email, "wrong password!")).status_code == 401
        assert (await log_in(second, email, "wrong password!")).status_code == 401
        assert (await log_in(first, email, "wrong password!")).status_code == 429


async def test_several_workers_without_redis_count_in_postgresql(
    database_url: str, tmp_path: Path, email: str
) -> None:
    settings = {"login_free_failures_per_source": 1, "workers": 2}
    one = throttled_app(database_url, tmp_path, None, **settings)
    two = throttled_app(database_url, tmp_path, None, **settings)
    async with (
        running(one),
        running(two),
        from_address(one, STRANGER) as first,
        from_address(two, STRANGER) as second,
        from_address(one, OWNER) as owner,
    ):
        await sign_up(first, email)
        assert (await log_in(first, email, "wrong password!")).status_code == 401
        assert (await log_in(second, email, "wrong password!")).status_code == 401
        refused = await log_in(first, email, "wrong password!")
        known = await log_in(owner, email, PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 2
    assert known.status_code == 200, known.text


def request_from(address: str) -> Request:
    return Request({"type": "http", "client": (address, 1), "headers": [], "app": None})


def test_ipv6_addresses_count_per_64() -> None:
    assert source_of(request_from("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert source_of(request_from("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::/64"
    assert source_of(request_from("192.0.2.1")) == "192.0.2.1"
    assert source_of(request_from("testclient")) == "testclient"


def test_delays_double_up_to_the_maximum() -> None:
    assert [delay_after(n, 3, 900) for n in range(1, 9)] == [0, 0, 0, 1, 2, 4, 8, 16]
    assert delay_after(200, 3, 900) == 900


async def test_a_down_store_refuses_logins() -> None:
    limiter = RateLimiter(f"redis://127.0.0.1:{free_port()}/0", Metrics().rate_limit_store_errors)
    ceiling = Policy("login_failures", "100/hour", on_store_error="closed")
    rules = ThrottleRules("login_failures", 5, 900, 86400, 86400, ceiling)
    throttle = FailureThrottle(limiter, rules, request_from(STRANGER))
    try:
        for step in (throttle.attempt, throttle.failed, throttle.succeeded):
            with pytest.raises(RateLimitUnavailable):
                await step("someone@example.com")
    finally:
        await limiter.close()
