"""Outbound calls against a real local HTTP server that fails, hangs and recovers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from prometheus_client import CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hireboard.kit.http_client import (
    BreakerState,
    DestinationUnavailable,
    OutboundClient,
    OutboundPolicy,
)
from tests.fixtures.redis import free_port

pytestmark = pytest.mark.anyio


@dataclass
class Upstream:
    """What the stand-in server does next: ``ok``, ``fail`` (503) or ``hang``."""

    url: str
    mode: str = "ok"
    hits: Counter[str] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    state = Upstream(url="")

    async def endpoint(request: Request) -> PlainTextResponse:
        state.hits[request.method] += 1
        if state.mode == "hang":
            await asyncio.sleep(5)
        if state.mode == "fail":
            return PlainTextResponse("down", status_code=503)
        return PlainTextResponse("fine")

    port = free_port()
    app = Starlette(routes=[Route("/thing", endpoint, methods=["GET", "POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    state.url = f"http://127.0.0.1:{port}/thing"
    yield state
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def fresh(upstream: Upstream) -> Upstream:
    upstream.mode = "ok"
    upstream.hits.clear()
    return upstream


def client(registry: CollectorRegistry | None = None, **overrides: float) -> OutboundClient:
    policy = OutboundPolicy(
        **{
            "connect_timeout_s": 1,
            "read_timeout_s": 0.3,
            "retries": 2,
            "backoff_s": 0.01,
            "failure_threshold": 3,
            "reset_after_s": 0.5,
            **overrides,
        }  # type: ignore[arg-type]
    )
    return OutboundClient(policy, registry or CollectorRegistry())


async def test_ok_call(fresh: Upstream) -> None:
    outbound = client()
    response = await outbound.request("GET", fresh.url)
    await outbound.aclose()
    assert response.text == "fine"


async def test_only_idempotent_methods_are_retried(fresh: Upstream) -> None:
    fresh.mode = "fail"
    outbound = client(failure_threshold=10)
    got = await outbound.request("GET", fresh.url)
    posted = await outbound.request("POST", fresh.url)
    await outbound.aclose()
    assert got.status_code == posted.status_code == 503
    assert fresh.hits == Counter({"GET": 3, "POST": 1})


async def test_hanging_server_times_out(fresh: Upstream) -> None:
    fresh.mode = "hang"
    outbound = client(retries=0)
    with pytest.raises(DestinationUnavailable, match="timeout"):
        await outbound.request("GET", fresh.url)
    await outbound.aclose()


async def test_breaker_opens_fails_fast_then_probes_and_recovers(fresh: Upstream) -> None:
    fresh.mode = "fail"
    registry = CollectorRegistry()
    outbound = client(registry, retries=0)
    for _ in range(3):
        assert (await outbound.request("GET", fresh.url)).status_code == 503
    assert outbound.breaker(fresh.url).state is BreakerState.OPEN
    with pytest.raises(DestinationUnavailable, match="not calling it"):
        await outbound.request("GET", fresh.url)
    assert fresh.hits["GET"] == 3  # failed fast, the server saw nothing

    await asyncio.sleep(0.6)
    assert (await outbound.request("GET", fresh.url)).status_code == 503  # the half-open probe
    assert outbound.breaker(fresh.url).state is BreakerState.OPEN

    fresh.mode = "ok"
    await asyncio.sleep(0.6)
    assert (await outbound.request("GET", fresh.url)).text == "fine"
    assert outbound.breaker(fresh.url).state is BreakerState.CLOSED
    metrics = generate_latest(registry).decode()
    await outbound.aclose()
    destination = fresh.url.removesuffix("/thing")
    calls = f'hireboard_outbound_requests_total{{destination="{destination}"'
    assert f'{calls},outcome="circuit_open"}} 1.0' in metrics
    assert f'{calls},outcome="http_5xx"}} 4.0' in metrics
