"""JSON logs without secrets, Prometheus metrics, and traces from request to job."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import APIRouter, FastAPI, Header
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel
from sqlalchemy import text

import tests.job_tasks  # noqa: F401 - registers the test tasks
from hireboard.db import WriteSession
from hireboard.kit.routing import JSONRoute
from hireboard.observability.logging import configure_logging, get_logger
from hireboard.observability.tracing import configure_tracing
from hireboard.worker import defer
from tests.fixtures.app import running

pytestmark = pytest.mark.anyio

log = get_logger("tests.login")
router = APIRouter(prefix="/test", route_class=JSONRoute)


class Login(BaseModel):
    email: str
    password: str


@router.post("/login")
async def login(body: Login, authorization: str = Header(default="")) -> dict[str, str]:
    token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyIn0." + secrets.token_urlsafe(16)
    log.info("login attempt", email=body.email, password=body.password, authorization=authorization)
    logging.getLogger("tests.stdlib").info(
        "issued %s to %s using %s", token, body.email, authorization
    )
    logging.getLogger("tests.stdlib").info("db at postgresql://app:%s@db/x", body.password)
    return {"access_token": token}


@router.post("/traced", status_code=201)
async def traced(session: WriteSession, marker: str) -> dict[str, int]:
    await session.execute(text("SELECT 1"))
    return {"job_id": await defer(session, "test.record", marker=marker)}


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, router) as client:
        yield client


@pytest.fixture
def log_output(keep_root_logging: None) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    yield stream


async def test_logs_are_json_and_never_carry_secrets(
    api: httpx.AsyncClient, log_output: io.StringIO
) -> None:
    password, api_key = "correct horse battery staple", "hbk_" + secrets.token_urlsafe(24)
    response = await api.post(
        "/test/login?api_key=" + api_key,
        json={"email": "ada@example.com", "password": password},
        headers={"authorization": f"Bearer {api_key}", "x-request-id": "login-flow-0001"},
    )
    token = response.json()["access_token"]
    output = log_output.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    for secret in (password, api_key, token):
        assert secret not in output
    assert any(line.get("password") == "[redacted]" for line in lines)
    access = next(line for line in lines if line["event"] == "request")
    assert access["route"] == "/test/login"
    assert access["status"] == 200
    assert access["request_id"] == "login-flow-0001"
    assert access["caller"] == "addr:127.0.0.1"
    assert access["duration_ms"] >= 0
    assert "?" not in access["path"]


async def test_metrics_follow_prometheus_naming(api: httpx.AsyncClient, database_url: str) -> None:
    marker = f"metrics-{secrets.token_hex(4)}"
    await api.post("/test/traced", params={"marker": marker})
    text_out = (await api.get("/metrics")).text
    try:
        assert (
            'hireboard_http_request_duration_seconds_bucket{le="0.5",method="POST",route="/test/traced",status="201"}'
            in text_out
        )
        assert "hireboard_http_requests_in_flight 1.0" in text_out  # the scrape itself
        assert 'hireboard_db_pool_connections_in_use{pool="write"}' in text_out
        assert 'hireboard_jobs{status="todo",task="test.record"}' in text_out
    finally:
        with psycopg.connect(database_url) as conn:
            conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'marker' = %s", (marker,))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing("hireboard-test", None, exporter=exporter)
    yield exporter
    configure_tracing("hireboard-test", None)


async def test_trace_runs_from_request_into_sql_and_job(
    api: httpx.AsyncClient, spans: InMemorySpanExporter, database_url: str, tmp_path: Path
) -> None:
    marker = f"trace-{secrets.token_hex(4)}"
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = await api.post(
        "/test/traced", params={"marker": marker}, headers={"traceparent": traceparent}
    )
    assert response.status_code == 201
    finished = spans.get_finished_spans()
    server = next(s for s in finished if s.name == "POST /test/traced")
    assert server.context is not None and server.parent is not None
    assert format(server.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    sql = [
        s for s in finished if s.attributes and s.attributes.get("db.system.name") == "postgresql"
    ]
    assert any(s.attributes and s.attributes.get("db.query.text") == "SELECT 1" for s in sql)
    assert all(s.context is not None and s.context.trace_id == server.context.trace_id for s in sql)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT args FROM procrastinate_jobs WHERE args->>'marker' = %s", (marker,)
        ).fetchone()
        conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'marker' = %s", (marker,))
    assert row is not None
    assert "0af7651916cd43dd8448eb211c80319c" in row[0]["_meta"]["traceparent"]
