"""Prometheus metrics (route templates as labels, never raw paths) and the access log line.

With several worker processes (``serve --workers N``), prometheus-client's multiprocess
mode keeps every counter, histogram and gauge in files under ``PROMETHEUS_MULTIPROC_DIR``
(serve creates a private one), and a scrape of any process reads them all, so
``/metrics`` sums the processes. Gauges declare how they combine (``multiprocess_mode``);
collectors read at scrape time (the connection pools) describe the answering process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hireboard.kit.caller import caller_id
from hireboard.observability.logging import get_logger

access_log = get_logger("hireboard.access")


class Metrics:
    """The service's collectors, on a registry of their own so each app instance starts clean."""

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = multiprocess_dir
        # Collected live by the answering process even in multiprocess mode.
        self._live: list[Collector] = []
        self.requests = Counter(
            "hireboard_http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "hireboard_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "hireboard_http_requests_in_flight",
            "HTTP requests being handled now.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.jobs = Gauge(
            "hireboard_jobs",
            "Background jobs by task and status (todo = queued, doing = running, failed).",
            ["task", "status"],
            registry=self.registry,
            multiprocess_mode="mostrecent",  # every process samples the same table
        )
        self.shed = Counter(
            "hireboard_http_requests_shed_total",
            "Requests answered 503 overloaded by admission control, without being handled.",
            registry=self.registry,
        )
        self.admitted_in_flight = Gauge(
            "hireboard_admission_in_flight",
            "Requests holding an admission slot now (probes and metrics excluded).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.admission_queued = Gauge(
            "hireboard_admission_queued",
            "Requests waiting for an admission slot now.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.rate_limit_store_errors = Counter(
            "hireboard_rate_limit_store_errors_total",
            "Rate-limit checks that could not reach their store, by policy and outcome.",
            ["policy", "outcome"],
            registry=self.registry,
        )

    def probe_recorder(self) -> Callable[[float], None]:
        """Records a fast-path liveness answer like any other (series bound once)."""
        count = self.requests.labels("GET", "/healthz", "200")
        duration = self.duration.labels("GET", "/healthz", "200")

        def record(elapsed: float) -> None:
            count.inc()
            duration.observe(elapsed)

        return record

    def register_live(self, collector: Collector) -> None:
        self.registry.register(collector)
        self._live.append(collector)

    def unregister_live(self, collector: Collector) -> None:
        self.registry.unregister(collector)
        self._live.remove(collector)

    def exposition(self) -> bytes:
        """The text a scrape gets: every process's values in multiprocess mode."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry(auto_describe=True)
        MultiProcessCollector(registry, path=str(self.multiprocess_dir))  # type: ignore[no-untyped-call]  # untyped in prometheus-client
        for collector in self._live:
            registry.register(collector)
        return generate_latest(registry)

    def process_exiting(self) -> None:
        """Drops this process's live gauges from the shared files (its counters stay)."""
        if self.multiprocess_dir is not None:
            mark_process_dead(os.getpid(), path=str(self.multiprocess_dir))  # type: ignore[no-untyped-call]  # untyped upstream

    def set_jobs(self, counts: Sequence[tuple[str, str, int]]) -> None:
        self.jobs.clear()
        for task, status, n in counts:
            self.jobs.labels(task, status).set(n)


class PoolCollector(Collector):
    """Connection-pool usage of the app's engines, read at scrape time."""

    def __init__(self, engines: dict[str, AsyncEngine]) -> None:
        self.engines = engines

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_use = GaugeMetricFamily(
            "hireboard_db_pool_connections_in_use",
            "Connections checked out of the pool.",
            labels=["pool"],
        )
        idle = GaugeMetricFamily(
            "hireboard_db_pool_connections_idle",
            "Open connections waiting in the pool.",
            labels=["pool"],
        )
        for name, engine in self.engines.items():
            pool = engine.sync_engine.pool
            if isinstance(pool, QueuePool):
                in_use.add_metric([name], pool.checkedout())
                idle.add_metric([name], pool.checkedin())
        yield in_use
        yield idle


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, record_status)
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - start
            route, method = _route_template(scope), scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route, str(status)).observe(elapsed)
            access_log.info(
                "request",
                method=method,
                route=route,
                path=scope["path"],  # the query string is never logged: it may carry secrets
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                caller=caller_id(Request(scope)),
            )


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths share one label so scanners cannot blow up the series count.
    return path if isinstance(path, str) else "<unmatched>"
