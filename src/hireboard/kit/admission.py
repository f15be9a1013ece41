"""Admission control: a concurrency limit per worker process and a short bounded queue.

Past saturation, accepting more work only makes every request slower: latency grows with
the queue and the database pool's own wait (30 s) turns into timeouts and 500s. So each
process admits at most ``limit`` requests at a time; up to ``queue`` more wait at most
``max_wait_s`` for a slot, first come first served; everything else is answered 503
``overloaded`` with ``Retry-After`` at once, before any other middleware, route or
database work. A shed answer costs a header scan and one small write.

Probes and the scraper bypass the limit: an overloaded process is alive, and the
orchestrator and Prometheus must see that rather than a 503.

Invariants: ``active`` never exceeds ``limit``; a slot freed while someone waits goes
to the oldest waiter (``active`` is handed over, not decremented); a waiter that is
cancelled (its client left) or times out leaves no slot behind.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from prometheus_client import Counter, Gauge
from starlette.types import ASGIApp, Receive, Scope, Send

from hireboard.kit.problem import PROBLEM_MEDIA_TYPE, problem_body, problem_bytes
from hireboard.kit.request_context import REQUEST_ID_HEADER, accept_or_make_request_id


@dataclass(frozen=True)
class AdmissionPolicy:
    limit: int  # requests handled at once by one process
    queue: int  # requests that may wait for a slot
    max_wait_s: float  # how long one may wait before it is shed
    retry_after_s: int
    exempt: frozenset[str]  # paths never limited (probes, metrics)


@dataclass(frozen=True)
class AdmissionMetrics:
    shed: Counter
    in_flight: Gauge
    queued: Gauge


class AdmissionMiddleware:
    """Admits, queues briefly, or sheds each HTTP request (pure ASGI, outermost)."""

    def __init__(self, app: ASGIApp, *, policy: AdmissionPolicy, metrics: AdmissionMetrics) -> None:
        self.app = app
        self.policy = policy
        self.metrics = metrics
        self.active = 0
        self._waiters: deque[asyncio.Future[bool]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.policy.exempt:
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            await self._shed(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _admit(self) -> bool:
        if self.active < self.policy.limit and not self._waiters:
            self.active += 1
            self.metrics.in_flight.inc()
            return True
        if len(self._waiters) >= self.policy.queue:
            return False
        return await self._wait()

    async def _wait(self) -> bool:
        """Waits for a handed-over slot; False once ``max_wait_s`` has passed."""
        loop = asyncio.get_running_loop()
        slot: asyncio.Future[bool] = loop.create_future()
        timer = loop.call_later(self.policy.max_wait_s, _resolve, slot, False)
        self._waiters.append(slot)
        self.metrics.queued.inc()
        try:
            return await slot
        except asyncio.CancelledError:
            if slot.done() and not slot.cancelled() and slot.result():
                self._release()  # the slot arrived as the client left: pass it on
            raise
        finally:
            timer.cancel()
            self.metrics.queued.dec()
            if slot in self._waiters:  # timed out or cancelled while still queued
                self._waiters.remove(slot)

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)  # ``active`` passes to the waiter unchanged
                return
        self.active -= 1
        self.metrics.in_flight.dec()

    async def _shed(self, scope: Scope, send: Send) -> None:
        self.metrics.shed.inc()
        request_id = accept_or_make_request_id(_request_id_header(scope))
        body = problem_bytes(
            problem_body(
                status=503,
                code="overloaded",
                title="Overloaded",
                detail="The server is at capacity; retry after the time in Retry-After.",
                request_id=request_id,
            )
        )
        headers = [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self.policy.retry_after_s).encode()),
            (REQUEST_ID_HEADER.encode(), request_id.encode()),
            (b"cache-control", b"no-store"),
            (b"x-content-type-options", b"nosniff"),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _resolve(slot: asyncio.Future[bool], value: bool) -> None:
    if not slot.done():
        slot.set_result(value)


def _request_id_header(scope: Scope) -> str | None:
    wanted = REQUEST_ID_HEADER.encode()
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None
