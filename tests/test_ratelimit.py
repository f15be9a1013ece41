"""Rate limits: headers, 429, per-client counting, Redis-shared counters, Redis down."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from hireboard.app import create_app
from hireboard.errors import NotAuthenticated
from hireboard.kit.ratelimit import Policy, rate_limit
from hireboard.kit.routing import JSONRoute
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.redis import free_port

pytestmark = pytest.mark.anyio


def limited_router(policy: Policy) -> APIRouter:
    router = APIRouter(prefix="/test", route_class=JSONRoute)

    @router.get("/limited", dependencies=[rate_limit(policy)])
    async def limited() -> dict[str, bool]:
        return {"ok": True}

    @router.get("/limited/refused", dependencies=[rate_limit(policy)])
    async def refused() -> dict[str, bool]:
        raise NotAuthenticated("no")

    @router.get("/limited/broken", dependencies=[rate_limit(policy)])
    async def broken() -> dict[str, bool]:
        raise RuntimeError("a bug")

    return router


def app_with(
    database_url: str,
    data_dir: Path,
    policy: Policy,
    redis_url: str | None = None,
    *,
    workers: int = 1,
    shared_limits: bool | None = None,
) -> FastAPI:
    settings = make_settings(
        database_url, data_dir, redis_url=redis_url, workers=workers, shared_limits=shared_limits
    )
    app = create_app(settings)
    app.include_router(limited_router(policy))
    return app


def fresh(name: str, limit: str = "3/minute", **kwargs: object) -> Policy:
    return Policy(f"{name}-{secrets.token_hex(4)}", limit, **kwargs)  # type: ignore[arg-type]


async def test_headers_then_429_with_retry_after(database_url: str, tmp_path: Path) -> None:
    policy = fresh("mem")
    async with running(app_with(database_url, tmp_path, policy)) as client:
        answers = [await client.get("/test/limited") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == f'"{policy.name}";q=3;w=60'
    assert [a.headers["ratelimit"].split(";")[1] for a in answers[:3]] == ["r=2", "r=1", "r=0"]
    refused = answers[3]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_each_client_has_its_own_budget(database_url: str, tmp_path: Path) -> None:
    policy = fresh("per-client", "1/minute")
    app = app_with(database_url, tmp_path, policy)
    async with running(app) as client:
        assert (await client.get("/test/limited")).status_code == 200
        assert (await client.get("/test/limited")).status_code == 429
        other = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("198.51.100.7", 1)),
            base_url="http://localhost",
        )
        async with other:
            assert (await other.get("/test/limited")).status_code == 200


async def test_redis_counters_are_shared_between_processes(
    database_url: str, tmp_path: Path, redis_url: str
) -> None:
    policy = fresh("shared", "2/minute")
    async with (
        running(app_with(database_url, tmp_path, policy, redis_url)) as first,
        running(app_with(database_url, tmp_path, policy, redis_url)) as second,
    ):
        assert (await first.get("/test/limited")).status_code == 200
        assert (await second.get("/test/limited")).status_code == 200
        assert (await first.get("/test/limited")).status_code == 429


@pytest.mark.parametrize(("workers", "shared"), [(2, None), (1, True)])
async def test_without_redis_several_processes_share_counters_in_postgresql(
    database_url: str, tmp_path: Path, workers: int, shared: bool | None
) -> None:
    policy = fresh("pg", "2/minute")
    async with (
        running(
            app_with(database_url, tmp_path, policy, workers=workers, shared_limits=shared)
        ) as first,
        running(
            app_with(database_url, tmp_path, policy, workers=workers, shared_limits=shared)
        ) as second,
    ):
        answers = [await c.get("/test/limited") for c in (first, second, first, second)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    remaining, reset = answers[1].headers["ratelimit"].split(";")[1:]
    assert remaining == "r=0"
    assert 50 <= int(reset.removeprefix("t=")) <= 60  # the window the first hit opened
    assert 1 <= int(answers[2].headers["retry-after"]) <= 60


async def test_one_process_counts_in_its_own_memory(database_url: str, tmp_path: Path) -> None:
    policy = fresh("own", "1/minute")
    async with (
        running(app_with(database_url, tmp_path, policy, workers=1)) as first,
        running(app_with(database_url, tmp_path, policy, workers=1)) as second,
    ):
        answers = [await c.get("/test/limited") for c in (first, second)]
    assert [a.status_code for a in answers] == [200, 200]


async def test_redis_down_fails_open_with_metric_and_warning(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = fresh("open")
    down = f"redis://127.0.0.1:{free_port()}/0"
    async with running(app_with(database_url, tmp_path, policy, down)) as client:
        with caplog.at_level(logging.WARNING, logger="hireboard.ratelimit"):
            response = await client.get("/test/limited")
        metrics = (await client.get("/metrics")).text
    assert response.status_code == 200
    assert "ratelimit" not in response.headers
    assert any("unavailable" in r.getMessage() for r in caplog.records)
    assert (
        f'hireboard_rate_limit_store_errors_total{{outcome="open",policy="{policy.name}"}} 1.0'
        in metrics
    )


async def test_redis_down_fails_closed_when_the_policy_says_so(
    database_url: str, tmp_path: Path
) -> None:
    policy = fresh("closed", on_store_error="closed")
    down = f"redis://127.0.0.1:{free_port()}/0"
    async with running(app_with(database_url, tmp_path, policy, down)) as client:
        response = await client.get("/test/limited")
    assert response.status_code == 503
    assert response.json()["code"] == "rate_limit_unavailable"
    assert response.headers["retry-after"] == "5"


async def test_errors_raised_after_the_limit_carry_its_headers(
    database_url: str, tmp_path: Path
) -> None:
    policy = fresh("errors", "5/minute")
    async with running(app_with(database_url, tmp_path, policy)) as client:
        refused = await client.get("/test/limited/refused")
        broken = await client.get("/test/limited/broken")
        unlimited = await client.get("/healthz")
    assert (refused.status_code, broken.status_code) == (401, 500)
    assert refused.headers["ratelimit-policy"] == f'"{policy.name}";q=5;w=60'
    assert refused.headers["ratelimit"].startswith(f'"{policy.name}";r=4;')
    assert broken.headers["ratelimit"].startswith(f'"{policy.name}";r=3;')
    assert "ratelimit" not in unlimited.headers


async def test_two_policies_on_one_route_are_listed_together(
    database_url: str, tmp_path: Path
) -> None:
    first, second = fresh("first", "5/minute"), fresh("second", "7/hour")
    router = APIRouter(prefix="/test", route_class=JSONRoute)

    @router.get("/twice", dependencies=[rate_limit(first), rate_limit(second)])
    async def twice() -> dict[str, bool]:
        return {"ok": True}

    app = create_app(make_settings(database_url, tmp_path))
    async with running(app, router) as client:
        response = await client.get("/test/twice")
    assert response.headers["ratelimit-policy"] == (
        f'"{first.name}";q=5;w=60, "{second.name}";q=7;w=3600'
    )
    assert response.headers["ratelimit"].count(";r=") == 2
