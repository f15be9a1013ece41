"""The one factory for outbound HTTP calls (webhooks, ATS imports, ...).

Every call gets connect and read timeouts; only idempotent methods are retried (with
exponential backoff, on transport errors and 5xx); each destination (scheme, host, port)
has a circuit breaker: after ``failure_threshold`` consecutive failures it opens and calls
fail fast with ``DestinationUnavailable`` until ``reset_after_s`` has passed, then one
probe is let through (half-open) - success closes it, failure opens it again.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hireboard.errors import ServiceUnavailable

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class DestinationUnavailable(ServiceUnavailable):
    code = "destination_unavailable"
    title = "An outside service is unavailable"


class BreakerState(Enum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


@dataclass
class CircuitBreaker:
    failure_threshold: int
    reset_after_s: float
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = field(default=False)

    def allow(self) -> bool:
        if (
            self.state is BreakerState.OPEN
            and time.monotonic() - self.opened_at >= self.reset_after_s
        ):
            self.state = BreakerState.HALF_OPEN
        if self.state is BreakerState.HALF_OPEN:
            if self.probing:
                return False
            self.probing = True
        return self.state is not BreakerState.OPEN

    def succeeded(self) -> None:
        self.state, self.failures, self.probing = BreakerState.CLOSED, 0, False

    def failed(self) -> None:
        self.failures += 1
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.failure_threshold:
            self.state, self.opened_at, self.probing = BreakerState.OPEN, time.monotonic(), False


@dataclass(frozen=True)
class OutboundPolicy:
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    retries: int = 2
    backoff_s: float = 0.2
    failure_threshold: int = 5
    reset_after_s: float = 30.0


class _OutboundMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "hireboard_outbound_requests_total",
            "Outbound HTTP attempts by destination and outcome "
            "(ok, http_5xx, timeout, error, circuit_open).",
            ["destination", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "hireboard_outbound_request_duration_seconds",
            "Outbound HTTP attempt time by destination.",
            ["destination"],
            registry=registry,
        )
        self.open = Gauge(
            "hireboard_outbound_circuit_open",
            "1 while a destination's breaker is open.",
            ["destination"],
            registry=registry,
        )


class OutboundClient:
    def __init__(
        self,
        policy: OutboundPolicy,
        registry: CollectorRegistry,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self._metrics = _OutboundMetrics(registry)
        self._breakers: dict[str, CircuitBreaker] = {}
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s),
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def breaker(self, url: str) -> CircuitBreaker:
        return self._breakers.setdefault(
            _destination(url),
            CircuitBreaker(self.policy.failure_threshold, self.policy.reset_after_s),
        )

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with timeouts, retries (idempotent methods only) and the destination's breaker.

        Returns the last response (possibly a 5xx); raises ``DestinationUnavailable`` when the
        breaker is open or every attempt failed without a response.
        """
        method = method.upper()
        destination, breaker = _destination(url), self.breaker(url)
        attempts = 1 + (self.policy.retries if method in IDEMPOTENT_METHODS else 0)
        for attempt in range(attempts):
            if not breaker.allow():
                self._metrics.calls.labels(destination, "circuit_open").inc()
                raise DestinationUnavailable(f"{destination} is failing; not calling it for now.")
            response, outcome = await self._attempt(method, url, destination, kwargs)
            self._metrics.calls.labels(destination, outcome).inc()
            if outcome == "ok":
                breaker.succeeded()
                self._metrics.open.labels(destination).set(0)
                return response  # type: ignore[return-value]  # ok always has a response
            breaker.failed()
            self._metrics.open.labels(destination).set(int(breaker.state is BreakerState.OPEN))
            if attempt + 1 == attempts:
                if response is not None:
                    return response
                raise DestinationUnavailable(f"{destination} did not answer ({outcome}).")
            await asyncio.sleep(self.policy.backoff_s * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, method: str, url: str, destination: str, kwargs: dict[str, Any]
    ) -> tuple[httpx.Response | None, str]:
        start = time.perf_counter()
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            return None, "timeout"
        except httpx.TransportError:
            return None, "error"
        finally:
            self._metrics.duration.labels(destination).observe(time.perf_counter() - start)
        return response, "http_5xx" if response.status_code >= 500 else "ok"


def _destination(url: str) -> str:
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.scheme}://{parsed.host}:{port}"
