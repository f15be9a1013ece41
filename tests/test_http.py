"""HTTP behaviour every route shares: problem+json errors, limits, headers, request ids."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from hireboard.config import Settings
from hireboard.errors import Conflict
from hireboard.kit.routing import JSONRoute, body_limit
from tests.fixtures.app import running
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"


class Item(BaseModel):
    name: str = Field(min_length=1)
    count: int = Field(ge=0)


router = APIRouter(prefix="/test", route_class=JSONRoute)


@router.post("/items")
async def echo_item(item: Item) -> Item:
    return item


@router.post("/uploads", openapi_extra=body_limit(4 * 1024 * 1024))
async def big_item(item: Item) -> dict[str, int]:
    return {"length": len(item.name)}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("database password is hunter2")


@router.get("/conflict")
async def conflict() -> None:
    raise Conflict("The item is locked.", item_id="42")


@router.get("/large")
async def large() -> dict[str, list[str]]:
    return {"words": ["hireboard"] * 2000}


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, router) as client:
        yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    assert {"type", "title", "detail"} <= body.keys()
    return body


async def test_unknown_route_is_404_problem(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/nothing-here"), 404, "not_found")


async def test_wrong_method_is_405_problem(api: httpx.AsyncClient) -> None:
    response = await api.delete("/healthz")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/test/items", content=b'{"name": "x",', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")


async def test_wrong_content_type_is_415(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/test/items", content=b"name=x&count=1", headers={"content-type": "text/plain"}
    )
    assert_problem(response, 415, "unsupported_media_type")


async def test_json_subtype_is_accepted(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/test/items",
        content=b'{"name": "x", "count": 1}',
        headers={"content-type": "application/merge-patch+json"},
    )
    assert response.status_code == 200
    assert response.json() == {"name": "x", "count": 1}


async def test_validation_lists_every_bad_field(api: httpx.AsyncClient) -> None:
    body = assert_problem(
        await api.post("/test/items", json={"name": "", "count": -1}), 422, "validation_failed"
    )
    errors = body["errors"]
    assert isinstance(errors, list)
    assert sorted(tuple(error["loc"]) for error in errors) == [("body", "count"), ("body", "name")]
    assert all(error["code"] and error["msg"] for error in errors)


async def test_declared_oversized_body_is_413(api: httpx.AsyncClient) -> None:
    payload = json.dumps({"name": "x" * (1024 * 1024 + 10), "count": 1}).encode()
    response = await api.post(
        "/test/items", content=payload, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


async def test_streamed_oversized_body_is_stopped_while_reading(api: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"name": "'
        for _ in range(64):
            sent += 1
            yield b"x" * 65536
        yield b'", "count": 1}'

    response = await api.post(
        "/test/items", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")
    assert "content-length" not in response.request.headers
    assert sent < 64, "the body was read to the end before the limit applied"


async def test_route_may_raise_its_own_limit(api: httpx.AsyncClient) -> None:
    name = "x" * (2 * 1024 * 1024)
    response = await api.post("/test/uploads", json={"name": name, "count": 1})
    assert response.status_code == 200
    assert response.json() == {"length": len(name)}


async def test_app_error_renders_code_and_data(api: httpx.AsyncClient) -> None:
    body = assert_problem(await api.get("/test/conflict"), 409, "conflict")
    assert body["detail"] == "The item is locked."
    assert body["item_id"] == "42"


async def test_unexpected_error_is_500_revealing_nothing(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="hireboard.http"):
        response = await api.get("/test/boom", headers={"x-request-id": "trace-0123456789"})
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert body["request_id"] == "trace-0123456789"
    record = next(r for r in caplog.records if r.name == "hireboard.http")
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


async def test_sane_request_id_is_echoed_and_bad_one_replaced(api: httpx.AsyncClient) -> None:
    kept = await api.get("/healthz", headers={"x-request-id": "abc-123_def.456"})
    assert kept.headers["x-request-id"] == "abc-123_def.456"
    replaced = await api.get("/healthz", headers={"x-request-id": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"
    assert len(replaced.headers["x-request-id"]) == 32
    fresh = await api.get("/healthz")
    assert fresh.headers["x-request-id"] != replaced.headers["x-request-id"]


async def test_security_headers(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # development serves plain HTTP


async def test_large_bodies_are_compressed(api: httpx.AsyncClient) -> None:
    response = await api.get("/test/large", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["words"][0] == "hireboard"
    small = await api.get("/healthz", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers


async def test_cors_follows_settings(database_url: str, settings: Settings) -> None:
    from hireboard.app import create_app

    configured = make_settings(
        database_url, settings.data_dir, cors_origins=["https://jobs.example"]
    )
    async with running(create_app(configured)) as client:
        preflight = await client.options(
            "/healthz",
            headers={"origin": "https://jobs.example", "access-control-request-method": "GET"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://jobs.example"
        other = await client.get("/healthz", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
