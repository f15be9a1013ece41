"""Liveness and readiness: what an orchestrator asks before sending traffic."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import text

from hireboard.db import Database
from hireboard.kit.routing import JSONRoute

router = APIRouter(route_class=JSONRoute, tags=["health"])

_CHECK_TIMEOUT_S = 2.0


class Check(BaseModel):
    status: Literal["ok", "fail"]
    detail: str | None = None


class Health(BaseModel):
    status: Literal["ok", "fail"]
    checks: dict[str, Check]


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> Health:
    """Answers 200 while the process can serve requests; checks nothing else."""
    return Health(status="ok", checks={})


@router.get(
    "/readyz",
    summary="Readiness: database reachable, schema at the code's revision, Redis if configured",
    responses={
        503: {"model": Health, "description": "A dependency is down or the schema is behind."}
    },
)
async def readyz(request: Request) -> JSONResponse:
    """200 when every check passes, else 503; the body names each check's result."""
    state = request.app.state
    checks = {
        "database": await _timed(_check_database(state.database)),
        "migrations": await _timed(_check_migrations(state.database, state.head_revision)),
    }
    if state.redis is not None:
        checks["redis"] = await _timed(_check_redis(state.redis))
    ok = all(check.status == "ok" for check in checks.values())
    body = Health(status="ok" if ok else "fail", checks=checks)
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=200 if ok else 503
    )


async def _timed(check: Coroutine[Any, Any, Check]) -> Check:
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_S):
            return await check
    except TimeoutError:
        return Check(status="fail", detail="timed out")
    except Exception as exc:  # a failing dependency is a result here, not an error
        return Check(status="fail", detail=type(exc).__name__)


async def _check_database(database: Database) -> Check:
    async with database.read_engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return Check(status="ok")


async def _check_migrations(database: Database, head: str | None) -> Check:
    async with database.read_engine.connect() as connection:
        current = (
            await connection.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar()
    if current != head:
        return Check(status="fail", detail=f"schema at {current}, code expects {head}")
    return Check(status="ok")


async def _check_redis(redis: Redis) -> Check:
    await redis.ping()
    return Check(status="ok")
