"""Admission control against a real uvicorn server: excess is shed at once, probes pass."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.types import Message, Receive, Scope, Send

from hireboard.app import create_app
from hireboard.config import Settings
from hireboard.kit.admission import AdmissionMetrics, AdmissionMiddleware, AdmissionPolicy
from tests.fixtures.database import make_settings
from tests.fixtures.live import live_server

pytestmark = pytest.mark.anyio


class Gate:
    """A test-only route that holds its requests until the test opens the gate."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered = 0
        self.router = APIRouter()
        self.router.add_api_route("/test/gate", self.wait, methods=["GET"])

    async def wait(self) -> dict[str, str]:
        self.entered += 1
        # The server's loop runs in another thread: a threading.Event, polled.
        while not self.open.is_set():  # noqa: ASYNC110 - an asyncio.Event is per loop
            await asyncio.sleep(0.005)
        return {"status": "through"}


def gated_app(database_url: str, tmp_path: Path, **admission: int) -> tuple[FastAPI, Gate]:
    settings: Settings = make_settings(database_url, tmp_path, **admission)
    app, gate = create_app(settings), Gate()
    app.include_router(gate.router)
    return app, gate


async def wait_until(condition: Callable[[], bool], within_s: float = 10) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.01)


async def timed_get(http: httpx.AsyncClient, url: str) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    response = await http.get(url)
    return response, time.monotonic() - start


async def test_excess_is_shed_at_once_probes_pass_and_service_resumes(
    database_url: str, tmp_path: Path
) -> None:
    app, gate = gated_app(database_url, tmp_path, admission_limit=2, admission_queue=0)
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            held = [asyncio.create_task(http.get("/test/gate")) for _ in range(2)]
            await wait_until(lambda: gate.entered == 2)
            excess = await asyncio.gather(
                *(timed_get(http, "/test/gate") for _ in range(20)),
                *(timed_get(http, "/v1/market/roles") for _ in range(5)),
            )
            probes = [await http.get(path) for path in ("/healthz", "/readyz", "/metrics")]
            gate.open.set()
            released = await asyncio.gather(*held)
            after, took = await timed_get(http, "/test/gate")

    assert gate.entered == 3  # no shed request reached the route
    for response, seconds in excess:
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "1"
        assert response.json()["code"] == "overloaded"
        assert response.json()["request_id"] == response.headers["x-request-id"]
        assert seconds < 1  # "at once": generous, the work held is never waited for
    assert [p.status_code for p in probes] == [200, 200, 200]
    assert "hireboard_http_requests_shed_total 25.0" in probes[2].text
    assert "hireboard_admission_in_flight 2.0" in probes[2].text
    assert [r.status_code for r in released] == [200, 200]
    assert after.status_code == 200
    assert took < 1


async def test_a_queued_request_gets_the_next_free_slot(database_url: str, tmp_path: Path) -> None:
    app, gate = gated_app(
        database_url, tmp_path, admission_limit=1, admission_queue=1, admission_max_wait_ms=10_000
    )
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            first = asyncio.create_task(http.get("/test/gate"))
            await wait_until(lambda: gate.entered == 1)
            queued = asyncio.create_task(http.get("/test/gate"))
            await asyncio.sleep(0.2)  # let it reach the queue
            beyond_queue = await http.get("/test/gate")
            assert gate.entered == 1  # the queued one waits outside the route
            gate.open.set()
            answers = await asyncio.gather(first, queued)

    assert beyond_queue.status_code == 503
    assert [a.status_code for a in answers] == [200, 200]
    assert gate.entered == 2


async def test_a_queued_request_is_shed_after_the_longest_wait(
    database_url: str, tmp_path: Path
) -> None:
    app, gate = gated_app(
        database_url, tmp_path, admission_limit=1, admission_queue=5, admission_max_wait_ms=100
    )
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            first = asyncio.create_task(http.get("/test/gate"))
            await wait_until(lambda: gate.entered == 1)
            waited = await asyncio.gather(*(timed_get(http, "/test/gate") for _ in range(3)))
            gate.open.set()
            await first
            after = await http.get("/test/gate")

    for response, seconds in waited:
        assert response.status_code == 503
        assert 0.09 < seconds < 1
    assert after.status_code == 200  # timed-out waiters left no slot taken


async def test_off_when_the_limit_is_zero(database_url: str, tmp_path: Path) -> None:
    app, gate = gated_app(database_url, tmp_path, admission_limit=0)
    gate.open.set()
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            answers = await asyncio.gather(*(http.get("/test/gate") for _ in range(30)))
    assert {a.status_code for a in answers} == {200}


def test_default_limit_is_the_pool_and_its_overflow() -> None:
    settings = Settings(db_pool_size=7, db_max_overflow=3)
    assert settings.admission_slots == (10, 10)
    assert Settings(admission_limit=4, admission_queue=0).admission_slots == (4, 0)


async def test_a_waiter_that_leaves_takes_no_slot_with_it() -> None:
    release = asyncio.Event()

    async def held(scope: Scope, receive: Receive, send: Send) -> None:
        await release.wait()

    registry = CollectorRegistry()
    gauges = AdmissionMetrics(
        Counter("shed", "", registry=registry),
        Gauge("in_flight", "", registry=registry),
        Gauge("queued", "", registry=registry),
    )
    policy = AdmissionPolicy(limit=1, queue=1, max_wait_s=30, retry_after_s=1, exempt=frozenset())
    admission = AdmissionMiddleware(held, policy=policy, metrics=gauges)
    scope = {"type": "http", "path": "/x", "headers": []}

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    async def ignore(message: Message) -> None:
        return None

    first = asyncio.create_task(admission(scope, nothing, ignore))
    await asyncio.sleep(0.01)
    leaving = asyncio.create_task(admission(scope, nothing, ignore))
    await asyncio.sleep(0.01)
    assert (admission.active, len(admission._waiters)) == (1, 1)
    leaving.cancel()
    release.set()
    await first
    await asyncio.gather(leaving, return_exceptions=True)
    assert (admission.active, len(admission._waiters)) == (0, 0)
    assert registry.get_sample_value("in_flight") == 0
    assert registry.get_sample_value("queued") == 0
