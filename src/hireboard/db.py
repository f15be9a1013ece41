"""Engines and sessions: one write transaction per request, read-only sessions for read paths.

The app never connects as the schema owner. It uses ``HIREBOARD_APP_DATABASE_URL`` when set,
otherwise the owner URL with ``role`` switched at connection start to the non-login role
the migrations create (``HIREBOARD_APP_ROLE``). Row-level security, added by later
migrations, only binds a role that neither owns the tables nor is a superuser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hireboard.config import Settings
from hireboard.errors import AppError
from hireboard.kit.cache import CacheBus, LocalCache
from hireboard.kit.caller import caller_id
from hireboard.kit.idempotency import IdempotencyStore, KeyedRequest
from hireboard.observability.tracing import instrument_engine


def sqlalchemy_url(url: str) -> URL:
    """A plain ``postgresql://`` URL, with the psycopg 3 driver SQLAlchemy should use."""
    return make_url(url).set(drivername="postgresql+psycopg")


def connect_options(
    settings: Settings, *, switch_role: bool, statement_timeout_ms: int | None = None
) -> dict[str, Any]:
    """libpq options every hireboard connection uses (procrastinate's too)."""
    options = [f"-c statement_timeout={statement_timeout_ms or settings.statement_timeout_ms}"]
    if switch_role:
        # The same as SET ROLE, but in the startup packet: no extra round trip per connection.
        options.append(f"-c role={settings.app_role}")
    return {"options": " ".join(options), "application_name": "hireboard"}


def _app_url(settings: Settings, owner_url: str, *, read_only: bool = False) -> tuple[str, bool]:
    """The URL the app connects with (the replica's for reads when one is set), and whether
    it must switch to the app role (only on the owner URL)."""
    explicit = (settings.read_database_url if read_only else None) or settings.app_database_url
    return (explicit.get_secret_value() if explicit else owner_url), explicit is None


def cache_bus(settings: Settings, owner_url: str, cache: LocalCache) -> CacheBus:
    """The listener for cache invalidations, on the primary (notifications don't replicate)."""
    url, switch_role = _app_url(settings, owner_url)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    options = connect_options(settings, switch_role=switch_role)
    return CacheBus(cache, conninfo, {**options, "application_name": "hireboard-cache-bus"})


def create_engine(
    settings: Settings, owner_url: str, *, read_only: bool = False, lean: bool = False
) -> AsyncEngine:
    """An engine that connects as the app's role (never the owner). ``lean``: autocommit
    connections under the detail route class's statement timeout (set at connection start),
    for reads that are one statement and need no transaction (``postings.service``)."""
    url, switch_role = _app_url(settings, owner_url, read_only=read_only)
    timeout_ms = settings.statement_timeout_detail_ms if lean else None
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args=connect_options(
            settings, switch_role=switch_role, statement_timeout_ms=timeout_ms
        ),
        **({"isolation_level": "AUTOCOMMIT"} if lean else {}),
    )
    instrument_engine(engine.sync_engine)
    return engine


@dataclass
class Database:
    """What the app holds for its lifetime: a write engine and a read engine (and the lean
    autocommit engine of the public detail reads)."""

    write_engine: AsyncEngine
    read_engine: AsyncEngine
    lean_engine: AsyncEngine

    def __post_init__(self) -> None:
        self.write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @classmethod
    def connect(cls, settings: Settings, owner_url: str) -> Database:
        write = create_engine(settings, owner_url)
        read = (
            create_engine(settings, owner_url, read_only=True)
            if settings.read_database_url
            else write
        )
        lean = create_engine(settings, owner_url, read_only=True, lean=True)
        return cls(write_engine=write, read_engine=read, lean_engine=lean)

    async def dispose(self) -> None:
        await self.lean_engine.dispose()
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


def database_from(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed when the endpoint returns, else rolled back.

    An ``AppError`` with ``keeps_changes`` commits what was written before it was raised.
    """
    keyed: KeyedRequest | None = getattr(request.state, "idempotency", None)
    store: IdempotencyStore = request.app.state.idempotency
    async with database_from(request).write_sessions() as session:
        try:
            await session.begin()
            if keyed is not None:
                # Scoped by the authenticated caller when authentication ran first (routes
                # declare the caller before the session), else by the client address.
                keyed.caller = caller_id(request)
                await store.claim(session, keyed)
            yield session
            if keyed is not None:
                await store.finish(session, keyed)
        except AppError as exc:
            await (session.commit() if exc.keeps_changes else session.rollback())
            await _remember(request, store, keyed, exc)
            raise
        except BaseException as exc:
            await session.rollback()
            if isinstance(exc, Exception):
                await _remember(request, store, keyed, exc)
            raise
        else:
            await session.commit()


async def _remember(
    request: Request, store: IdempotencyStore, keyed: KeyedRequest | None, exc: Exception
) -> None:
    if keyed is not None and keyed.claimed:
        await store.remember_error(request, keyed, exc)


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only transaction (the server refuses writes), on the replica when one is set.
    Repeatable read: every statement of a request sees the same snapshot (a page and its
    facets, a statistic's counts and the rows they count)."""
    async with _read_transaction(request, None) as session:
        yield session


@asynccontextmanager
async def _read_transaction(
    request: Request, timeout_ms: int | None, *, with_context: bool = False
) -> AsyncIterator[AsyncSession]:
    sessions = database_from(request).read_sessions
    async with sessions() as session:
        await session.connection(
            execution_options={"postgresql_readonly": True, "isolation_level": "REPEATABLE READ"}
        )
        try:
            if timeout_ms is not None and with_context:
                # access.context.set_context sets it in the round trip it makes anyway.
                session.info["statement_timeout"] = str(timeout_ms)
            elif timeout_ms is not None:
                # For this transaction only. Its own round trip: a statement's timer is
                # armed when it starts, so the setting cannot ride on the first query.
                await session.execute(
                    text("SELECT set_config('statement_timeout', :ms, true)"),
                    {"ms": str(timeout_ms)},
                )
            yield session
        finally:
            await session.rollback()


RouteClass = Literal["search", "detail", "stats"]


def timed_read_session(
    route_class: RouteClass, *, with_context: bool = False
) -> Callable[..., AsyncIterator[AsyncSession]]:
    """``read_session`` whose statements run under the route class's statement timeout
    (``statement_timeout_<class>_ms``): a public route never waits on a runaway query, and
    the cancelled statement answers 503 ``query_timeout``. ``with_context``: the route sets
    the row-level security context first (``access.auth``), which applies the timeout."""

    async def timed(request: Request) -> AsyncIterator[AsyncSession]:
        settings: Settings = request.app.state.settings
        timeout_ms = int(getattr(settings, f"statement_timeout_{route_class}_ms"))
        async with _read_transaction(request, timeout_ms, with_context=with_context) as session:
            yield session

    return timed


def timed_read(
    request: Request, route_class: RouteClass | None
) -> AbstractAsyncContextManager[AsyncSession]:
    """``timed_read_session``'s transaction (``read_session``'s when ``route_class`` is
    None), opened by a route only when it needs the database: an answer found in the cache
    then costs no connection and no round trip."""
    if route_class is None:
        return _read_transaction(request, None)
    settings: Settings = request.app.state.settings
    timeout_ms = int(getattr(settings, f"statement_timeout_{route_class}_ms"))
    return _read_transaction(request, timeout_ms)


# scope="function": the commit finishes before the response is sent, so a failed commit
# is reported as a failure instead of after a success the client already saw.
WriteSession = Annotated[AsyncSession, Depends(write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(read_session, scope="function")]
SearchSession = Annotated[AsyncSession, Depends(timed_read_session("search"), scope="function")]
# Only through access.auth.OptionalActingDetail, whose context sets the timeout.
DetailSession = Annotated[
    AsyncSession, Depends(timed_read_session("detail", with_context=True), scope="function")
]
StatsSession = Annotated[AsyncSession, Depends(timed_read_session("stats"), scope="function")]
