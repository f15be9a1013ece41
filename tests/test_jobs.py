"""Background jobs: deferred with the request's transaction, retried, failed, recovered."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from typer.testing import CliRunner, Result

import tests.job_tasks  # noqa: F401 - registers the test tasks
from hireboard.cli.main import app as cli
from hireboard.config import Settings
from hireboard.db import Database, WriteSession
from hireboard.errors import Conflict
from hireboard.kit.routing import JSONRoute
from hireboard.worker import defer, registry
from hireboard.worker.runner import run_worker
from tests.fixtures.app import running
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio


class Order(BaseModel):
    marker: str
    fail: bool = False


router = APIRouter(prefix="/test", route_class=JSONRoute)


@router.post("/orders", status_code=201)
async def place_order(order: Order, session: WriteSession) -> dict[str, int]:
    job_id = await defer(session, "test.record", marker=order.marker)
    if order.fail:
        raise Conflict("changed my mind")
    return {"job_id": job_id}


@pytest.fixture
def marker(database_url: str) -> Iterator[str]:
    value = f"job-{secrets.token_hex(4)}"
    yield value
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'marker' = %s", (value,))
        conn.execute("DELETE FROM scratch_items WHERE name LIKE %s", (value + "%",))


def jobs_for(database_url: str, marker: str) -> list[tuple[int, str, int]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, status::text, attempts FROM procrastinate_jobs WHERE args->>'marker' = %s",
            (marker,),
        )
        return list(rows)


def recorded(database_url: str, marker: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT name FROM scratch_items WHERE name LIKE %s", (marker + "%",))
        return [row[0] for row in rows]


async def eventually(check: Callable[[], object], within: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, router) as client:
        yield client


@pytest.fixture
def worker_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        job_stall_timeout_s=2,
        worker_concurrency=2,
        worker_task_modules=["tests.job_tasks"],
    )


@pytest.fixture
async def worker(worker_settings: Settings, database_url: str) -> AsyncIterator[None]:
    running_worker = asyncio.create_task(
        run_worker(worker_settings, database_url, install_signal_handlers=False)
    )
    await asyncio.sleep(0.5)
    yield
    running_worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running_worker


async def test_rolled_back_request_leaves_no_job(
    api: httpx.AsyncClient, database_url: str, marker: str
) -> None:
    response = await api.post("/test/orders", json={"marker": marker, "fail": True})
    assert response.status_code == 409
    assert jobs_for(database_url, marker) == []


async def test_committed_request_has_its_job_before_any_worker_runs(
    api: httpx.AsyncClient, database_url: str, marker: str
) -> None:
    response = await api.post("/test/orders", json={"marker": marker})
    assert response.status_code == 201
    assert jobs_for(database_url, marker) == [(response.json()["job_id"], "todo", 0)]


async def test_worker_runs_job_with_the_request_id(
    api: httpx.AsyncClient, worker: None, database_url: str, marker: str
) -> None:
    response = await api.post(
        "/test/orders", json={"marker": marker}, headers={"x-request-id": "req-for-the-job"}
    )
    assert response.status_code == 201
    await eventually(lambda: recorded(database_url, marker))
    assert recorded(database_url, marker) == [f"{marker}|req-for-the-job"]
    await eventually(lambda: jobs_for(database_url, marker)[0][1] == "succeeded")


async def test_failing_job_retries_then_fails_with_its_error(
    session_free_settings: Settings, worker: None, database_url: str, marker: str
) -> None:
    await defer_committed(database_url, session_free_settings, "test.always_fails", marker=marker)
    await eventually(lambda: jobs_for(database_url, marker)[0][1] == "failed", within=30)
    job_id, _, attempts = jobs_for(database_url, marker)[0]
    assert attempts == 3  # the first run and two retries
    with psycopg.connect(database_url) as conn:
        errors = [
            row[0]
            for row in conn.execute("SELECT error FROM job_failures WHERE job_id = %s", (job_id,))
        ]
    assert errors == [f"RuntimeError: cannot do {marker}"] * 3

    env = {"HIREBOARD_DATABASE_URL": database_url}
    listed = await cli_run(["jobs", "failed", "--task", "test.always_fails"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f"{job_id}\ttest.always_fails" in listed.output
    assert f"cannot do {marker}" in listed.output

    assert (await cli_run(["jobs", "retry", str(job_id)], env=env)).exit_code == 0
    await eventually(lambda: jobs_for(database_url, marker)[0][1] == "failed", within=30)
    assert (await cli_run(["jobs", "discard", str(job_id)], env=env)).exit_code == 0
    assert jobs_for(database_url, marker) == []
    missing = await cli_run(["jobs", "discard", str(job_id)], env=env)
    assert missing.exit_code == 1
    assert "no failed job" in missing.output


async def cli_run(args: list[str], env: dict[str, str]) -> Result:
    # The CLI runs its own event loop: keep it off this test's.
    return await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)


@pytest.fixture
def session_free_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


async def defer_committed(database_url: str, settings: Settings, task: str, **args: Any) -> int:
    database = Database.connect(settings, database_url)
    try:
        async with database.write_sessions() as session, session.begin():
            return await defer(session, task, **args)
    finally:
        await database.dispose()


async def test_defer_refuses_unknown_tasks(
    session_free_settings: Settings, database_url: str
) -> None:
    with pytest.raises(LookupError, match=r"no task named 'test\.nope'"):
        await defer_committed(database_url, session_free_settings, "test.nope")


def test_schedules_are_declared_with_the_task() -> None:
    periodic = {p.task.name: p.cron for p in registry.periodic_registry.periodic_tasks.values()}
    assert periodic["idempotency.purge_expired"] == "17 * * * *"


def start_worker_process(database_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env |= {
        "HIREBOARD_DATABASE_URL": database_url,
        "HIREBOARD_JOB_STALL_TIMEOUT_S": "2",
        "HIREBOARD_WORKER_TASK_MODULES": '["tests.job_tasks"]',
    }
    return subprocess.Popen(
        [sys.executable, "-m", "hireboard", "worker"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


async def test_killed_worker_job_is_picked_up_again(
    session_free_settings: Settings, database_url: str, marker: str, tmp_path: Path
) -> None:
    await defer_committed(
        database_url, session_free_settings, "test.slow", marker=marker, flags=str(tmp_path)
    )
    first = start_worker_process(database_url)
    try:
        await eventually(lambda: (tmp_path / "started").exists())
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert jobs_for(database_url, marker)[0][1] == "doing"
    (tmp_path / "release").write_text("go")
    second = start_worker_process(database_url)
    try:
        await eventually(lambda: recorded(database_url, marker), within=30)
        await eventually(lambda: jobs_for(database_url, marker)[0][1] == "succeeded")
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
    assert second.returncode == 0, output.decode()
    assert recorded(database_url, marker) == [marker]
