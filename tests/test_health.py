"""/healthz, /readyz, /metrics, /openapi.json and /docs."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hireboard.app import create_app
from hireboard.config import Settings
from tests.fixtures.app import running
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {}}


async def test_readyz_names_each_check(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"status": "ok"}, "migrations": {"status": "ok"}},
    }


async def test_readyz_fails_when_schema_is_behind(app: FastAPI) -> None:
    async with running(app) as client:
        app.state.head_revision = "9999_not_applied"
        response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["migrations"]["status"] == "fail"
    assert "9999_not_applied" in body["checks"]["migrations"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


async def test_readyz_fails_when_database_unreachable(tmp_path: Path) -> None:
    url = f"postgresql://nobody@127.0.0.1:{closed_port()}/none"
    async with running(create_app(make_settings(url, tmp_path))) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "fail"


async def test_readyz_checks_configured_redis(
    database_url: str, tmp_path: Path, redis_url: str
) -> None:
    down = make_settings(database_url, tmp_path, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    async with running(create_app(down)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] == "fail"
    async with running(
        create_app(make_settings(database_url, tmp_path, redis_url=redis_url))
    ) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"status": "ok"}


async def test_metrics_open_in_development(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert (
        'hireboard_http_requests_total{method="GET",route="/healthz",status="200"}' in response.text
    )


async def test_metrics_need_the_token_when_one_is_set(database_url: str, tmp_path: Path) -> None:
    token = "m" * 32
    settings = make_settings(database_url, tmp_path, metrics_token=token)
    async with running(create_app(settings)) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"authorization": "Bearer " + "x" * 32})
        right = await client.get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert missing.status_code == 401
    assert missing.json()["code"] == "not_authenticated"
    assert wrong.status_code == 401
    assert right.status_code == 200


async def test_unmatched_paths_share_one_metrics_label(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await client.get(f"/scan/{n}")
    text = (await client.get("/metrics")).text
    assert 'route="<unmatched>",status="404"} 3.0' in text
    assert "/scan/1" not in text


async def test_openapi_documents_errors_and_summaries(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    readyz = document["paths"]["/readyz"]["get"]
    assert readyz["summary"]
    assert "503" in readyz["responses"]
    problem = readyz["responses"]["422"]["content"]["application/problem+json"]
    assert problem["example"]["code"] == "validation_failed"
    assert "Problem" in document["components"]["schemas"]


async def test_docs_are_on_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
    assert "cdn.jsdelivr.net" in response.headers["content-security-policy"]


async def test_docs_can_be_turned_off(database_url: str, settings: Settings) -> None:
    off = make_settings(database_url, settings.data_dir, docs_enabled=False)
    async with running(create_app(off)) as client:
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/openapi.json")).status_code == 200


async def test_metrics_on_their_own_port(database_url: str, tmp_path: Path) -> None:
    port = closed_port()
    settings = make_settings(database_url, tmp_path, metrics_port=port)
    async with running(create_app(settings)) as client:
        await client.get("/healthz")
        assert (await client.get("/metrics")).status_code == 404
        async with httpx.AsyncClient() as outside:
            scraped = await outside.get(f"http://127.0.0.1:{port}/metrics")
    assert scraped.status_code == 200
    assert 'route="/healthz"' in scraped.text
