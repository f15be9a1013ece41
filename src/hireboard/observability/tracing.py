"""OpenTelemetry traces for HTTP requests, SQL statements and jobs.

Off unless an OTLP endpoint is configured (or a test installs its own exporter). The
trace context travels from a request into the jobs it defers through the job's ``_meta``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_state: dict[str, trace.Tracer] = {"tracer": trace.NoOpTracer()}
_MAX_STATEMENT_CHARS = 2000


def configure_tracing(
    service_name: str, otlp_endpoint: str | None, *, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """Export spans to ``otlp_endpoint`` (or ``exporter``); with neither, tracing stays off."""
    if exporter is None and otlp_endpoint is None:
        _state["tracer"] = trace.NoOpTracer()
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter is not None:  # tests: spans visible as soon as they end
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,  # imported only when used: it pulls in protobuf
        )

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    _state["tracer"] = provider.get_tracer("hireboard")
    return provider


def tracer() -> trace.Tracer:
    return _state["tracer"]


def inject_context(carrier: MutableMapping[str, str]) -> None:
    """Write the current trace context (W3C ``traceparent``) into ``carrier``."""
    propagate.inject(carrier)


@contextmanager
def job_span(
    task_name: str, *, job_id: int | None, attempt: int, carrier: Mapping[str, str]
) -> Iterator[Span]:
    parent = propagate.extract(dict(carrier))
    with tracer().start_as_current_span(
        f"job {task_name}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={"job.task": task_name, "job.id": job_id or 0, "job.attempt": attempt},
    ) as span:
        yield span


class TracingMiddleware:
    """A server span per request, continuing the caller's ``traceparent`` when sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or isinstance(tracer(), trace.NoOpTracer):
            await self.app(scope, receive, send)  # tracing off: no span work per request
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        parent = propagate.extract(headers)
        method = scope["method"]
        with tracer().start_as_current_span(
            method, context=parent, kind=SpanKind.SERVER, attributes={"http.request.method": method}
        ) as span:

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await self.app(scope, receive, send_with_status)
            finally:
                route = getattr(scope.get("route"), "path", None)
                if isinstance(route, str):
                    span.set_attribute("http.route", route)
                    span.update_name(f"{method} {route}")


def instrument_engine(engine: Engine) -> None:
    """A client span per SQL statement (the statement text, never its parameters)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        span = tracer().start_span(
            statement.split(None, 1)[0].upper() if statement.strip() else "SQL",
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": "postgresql",
                "db.query.text": statement[:_MAX_STATEMENT_CHARS],
            },
        )
        conn.info.setdefault("hireboard.spans", []).append((span, time.perf_counter()))

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        spans = conn.info.get("hireboard.spans")
        if spans:
            spans.pop()[0].end()

    @event.listens_for(engine, "handle_error")
    def _fail(context: Any) -> None:
        spans = context.connection.info.get("hireboard.spans") if context.connection else None
        if spans:
            span = spans.pop()[0]
            span.set_status(Status(StatusCode.ERROR, type(context.original_exception).__name__))
            span.end()
