"""The application factory: settings in, a fully wired ASGI app out."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, start_http_server
from redis.asyncio import Redis
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response

from hireboard import __version__, health, migrate
from hireboard.api import v1_router
from hireboard.applications import endpoints as application_endpoints
from hireboard.candidates import endpoints as candidate_endpoints
from hireboard.checker import endpoints as checker_endpoints
from hireboard.checker.rules import load_rules
from hireboard.config import Settings
from hireboard.db import Database, cache_bus
from hireboard.error_handlers import install_error_handlers
from hireboard.errors import NotAuthenticated
from hireboard.identity import endpoints as identity_endpoints
from hireboard.identity import pages as identity_pages
from hireboard.identity.keys import load_keys
from hireboard.identity.passwords import Passwords
from hireboard.identity.service import Identity
from hireboard.kit.admission import AdmissionMetrics, AdmissionMiddleware, AdmissionPolicy
from hireboard.kit.cache import LocalCache
from hireboard.kit.hosts import TrustedHostMiddleware
from hireboard.kit.http_client import OutboundClient, OutboundPolicy
from hireboard.kit.idempotency import IdempotencyStore
from hireboard.kit.jsonschema import close_patterned_objects
from hireboard.kit.middleware import (
    BodyLimitMiddleware,
    HeaderLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    api_security_headers,
)
from hireboard.kit.probes import LivenessMiddleware
from hireboard.kit.problem import problem_responses
from hireboard.kit.ratelimit import RateLimiter, RateLimitHeadersMiddleware
from hireboard.kit.routing import JSONRoute
from hireboard.market import endpoints as market_endpoints
from hireboard.matching import endpoints as matching_endpoints
from hireboard.notifications import endpoints as notification_endpoints
from hireboard.observability.logging import configure_logging
from hireboard.observability.metrics import Metrics, MetricsMiddleware, PoolCollector
from hireboard.observability.tracing import TracingMiddleware, configure_tracing
from hireboard.organizations import endpoints as organization_endpoints
from hireboard.organizations import pages as organization_pages
from hireboard.postings import endpoints as posting_endpoints
from hireboard.postings.service import PublicReader
from hireboard.privacy import endpoints as privacy_endpoints
from hireboard.templates import endpoints as template_endpoints
from hireboard.templates.sync import sync_builtin_templates
from hireboard.worker import repository as jobs_repository
from hireboard.worker.registry import load_tasks

logger = logging.getLogger("hireboard.app")
_DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})
# Probes and scrapers address the container directly; these answers hold no links.
_HOST_EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_COMMON_ERRORS = problem_responses(400, 404, 413, 415, 422, 431, 500)


def create_app(settings: Settings) -> FastAPI:
    """Build the app for ``settings``; ``settings.database_url`` must name the database."""
    if settings.database_url is None:
        raise ValueError("create_app needs a database URL; the CLI starts the embedded one first")
    owner_url = settings.database_url.get_secret_value()
    load_tasks(settings.worker_task_modules)
    metrics = Metrics(settings.metrics_multiproc_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _open_state(app, settings, owner_url, metrics)
        if app.state.cache_bus is not None:
            await app.state.cache_bus.start()
        await sync_builtin_templates(app.state.database)
        try:
            yield
        finally:
            await _close_state(app, metrics)

    app = FastAPI(
        title="hireboard",
        version=__version__,
        summary="Job-market and hiring backend: postings, templates, JD checks, market statistics.",
        lifespan=lifespan,
        docs_url="/docs" if settings.show_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json",
        responses=_COMMON_ERRORS,
    )
    app.router.route_class = JSONRoute
    app.state.settings = settings
    app.state.metrics = metrics
    install_error_handlers(app)
    _declare_enforced_rules(app)
    app.include_router(health.router)
    app.include_router(v1_router())
    app.include_router(identity_endpoints.router)
    app.include_router(organization_endpoints.router)
    app.include_router(template_endpoints.router)
    app.include_router(checker_endpoints.router)
    app.include_router(posting_endpoints.router)
    app.include_router(market_endpoints.router)
    app.include_router(candidate_endpoints.router)
    app.include_router(application_endpoints.router)
    app.include_router(matching_endpoints.router)
    app.include_router(notification_endpoints.router)
    app.include_router(privacy_endpoints.router)
    app.include_router(identity_pages.router)
    app.include_router(organization_pages.router)
    if settings.metrics_port is None:
        _add_metrics_route(app, settings, metrics)
    _add_middleware(app, settings, metrics)
    return app


def _declare_enforced_rules(app: FastAPI) -> None:
    """The generated document, plus the rules pydantic enforces but does not write down."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = generate()
        if first:
            close_patterned_objects(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def _open_state(app: FastAPI, settings: Settings, owner_url: str, metrics: Metrics) -> None:
    """Everything the app holds for its lifetime, on ``app.state``."""
    state = app.state
    state.database = Database.connect(settings, owner_url)
    state.cache = LocalCache(max_bytes=settings.cache_max_mb * 1024 * 1024)
    state.cache_bus = cache_bus(settings, owner_url, state.cache) if settings.cache_max_mb else None
    state.public_postings = PublicReader(
        state.cache, state.database.lean_engine, state.database.write_sessions, settings
    )
    state.identity = Identity(settings, load_keys(settings), Passwords(settings))
    state.checker_rules = load_rules(settings.checker_rules_dir)
    state.idempotency = IdempotencyStore(
        state.database.write_engine, timedelta(seconds=settings.idempotency_ttl_s)
    )
    state.head_revision = migrate.head_revision(settings, owner_url)
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    shared = state.database.write_engine if settings.limits_are_shared else None
    state.rate_limiter = RateLimiter(
        redis_url, metrics.rate_limit_store_errors, shared_engine=shared
    )
    state.redis = Redis.from_url(redis_url) if redis_url else None
    state.outbound = OutboundClient(_outbound_policy(settings), metrics.registry)
    engines = {"write": state.database.write_engine, "lean": state.database.lean_engine}
    if settings.read_database_url:
        engines["read"] = state.database.read_engine
    state.pool_collector = PoolCollector(engines)
    metrics.register_live(state.pool_collector)
    state.metrics_server = None
    if settings.metrics_port is not None:
        server, _ = start_http_server(
            settings.metrics_port, addr=settings.host, registry=metrics.registry
        )
        state.metrics_server = server


async def _close_state(app: FastAPI, metrics: Metrics) -> None:
    state = app.state
    if state.cache_bus is not None:
        await state.cache_bus.stop()
    metrics.unregister_live(state.pool_collector)
    metrics.process_exiting()
    if state.metrics_server is not None:
        state.metrics_server.shutdown()
        state.metrics_server.server_close()
    await state.rate_limiter.close()
    await state.outbound.aclose()
    await state.database.dispose()
    if state.redis is not None:
        await state.redis.aclose()


def _outbound_policy(settings: Settings) -> OutboundPolicy:
    return OutboundPolicy(
        connect_timeout_s=settings.outbound_connect_timeout_s,
        read_timeout_s=settings.outbound_read_timeout_s,
        retries=settings.outbound_retries,
        failure_threshold=settings.outbound_failure_threshold,
        reset_after_s=settings.outbound_reset_after_s,
    )


async def _sample_job_metrics(database: Database, metrics: Metrics) -> None:
    """Job counts change without requests: sample them when Prometheus scrapes."""
    try:
        async with database.read_sessions() as session:
            metrics.set_jobs(await jobs_repository.counts_by_task(session))
    except Exception:  # a failed sample must not fail the scrape
        logger.warning("could not sample job metrics", exc_info=True)


def _add_metrics_route(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    open_metrics = settings.is_development and token is None

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        if not open_metrics:
            presented = request.headers.get("authorization", "")
            expected = f"Bearer {token}"
            if token is None or not hmac.compare_digest(presented.encode(), expected.encode()):
                raise NotAuthenticated(
                    "Metrics need the bearer token from HIREBOARD_METRICS_TOKEN.",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        await _sample_job_metrics(request.app.state.database, metrics)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    # add_middleware wraps: the last one added is the outermost.
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=[
                "X-Request-ID",
                "Location",
                "Link",
                "Retry-After",
                "RateLimit",
                "RateLimit-Policy",
            ],
            max_age=600,
        )
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_json_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(TracingMiddleware)
    app.add_middleware(
        TrustedHostMiddleware, allowed=settings.allowed_hosts, exempt=_HOST_EXEMPT_PATHS
    )
    app.add_middleware(
        HeaderLimitMiddleware,
        max_bytes=settings.max_header_bytes,
        max_count=settings.max_header_count,
    )
    app.add_middleware(
        SecurityHeadersMiddleware, hsts=not settings.is_development, docs_paths=_DOCS_PATHS
    )
    app.add_middleware(RequestContextMiddleware)
    # Outside the rest, so every answer of a limited route carries its limits, even the 500.
    app.add_middleware(RateLimitHeadersMiddleware)
    _add_admission(app, settings, metrics)
    app.add_middleware(
        LivenessMiddleware,
        headers=api_security_headers(hsts=not settings.is_development),
        max_header_count=settings.max_header_count,
        max_header_bytes=settings.max_header_bytes,
        record=metrics.probe_recorder(),
    )


def _add_admission(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Outermost: a shed request costs no other middleware (its answer makes its own id)."""
    limit, queue = settings.admission_slots
    if limit == 0:
        return
    policy = AdmissionPolicy(
        limit=limit,
        queue=queue,
        max_wait_s=settings.admission_max_wait_ms / 1000,
        retry_after_s=settings.admission_retry_after_s,
        exempt=_HOST_EXEMPT_PATHS,
    )
    gauges = AdmissionMetrics(metrics.shed, metrics.admitted_in_flight, metrics.admission_queued)
    app.add_middleware(AdmissionMiddleware, policy=policy, metrics=gauges)


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` (multi-worker serve): settings from the environment.

    Each worker is a fresh interpreter: it configures its own logging and tracing, as
    ``load_settings`` does for one process, so every worker logs JSON with request ids.
    """
    settings = Settings()
    configure_logging(settings.log_level)
    configure_tracing(settings.otel_service_name, settings.otel_exporter_otlp_endpoint)
    return create_app(settings)
