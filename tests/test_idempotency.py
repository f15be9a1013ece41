"""Idempotency-Key: replays byte for byte, refuses reuse, one effect under concurrency."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx
import psycopg
import pytest
from fastapi import APIRouter, FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.db import WriteSession
from hireboard.errors import Conflict
from hireboard.kit.idempotency import idempotent, purge_expired
from hireboard.kit.routing import JSONRoute
from tests.fixtures.app import running

pytestmark = pytest.mark.anyio

router = APIRouter(prefix="/test", route_class=JSONRoute)
_flaky_calls: Counter[str] = Counter()


class Thing(BaseModel):
    name: str
    refuse: bool = False
    flaky: bool = False


@router.post("/things/{bucket}", status_code=201, openapi_extra=idempotent())
async def create_thing(
    bucket: str, thing: Thing, session: WriteSession, response: Response
) -> dict[str, object]:
    if thing.refuse:
        raise Conflict("Refused on purpose.")
    if thing.flaky:
        _flaky_calls[thing.name] += 1
        if _flaky_calls[thing.name] == 1:
            raise RuntimeError("transient failure")
    row = await session.execute(
        text("INSERT INTO scratch_items (name) VALUES (:n) RETURNING id"),
        {"n": f"{thing.name}@{bucket}"},
    )
    await asyncio.sleep(0.2)  # long enough for concurrent twins to overlap
    item_id = row.scalar_one()
    response.headers["Location"] = f"/test/things/{bucket}/{item_id}"
    return {"id": item_id, "name": thing.name, "nonce": secrets.token_hex(8)}


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, router) as client:
        yield client


@pytest.fixture
def name(database_url: str) -> Iterator[str]:
    value = f"idem-{secrets.token_hex(4)}"
    yield value
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM scratch_items WHERE name LIKE %s", (value + "%",))
        conn.execute("DELETE FROM idempotency_keys WHERE key LIKE %s", (value + "%",))


def effects(database_url: str, name: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM scratch_items WHERE name LIKE %s", (name + "%",)
        ).fetchone()
    assert row is not None
    return int(row[0])


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_replay_is_byte_identical(
    api: httpx.AsyncClient, database_url: str, name: str
) -> None:
    first = await api.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
    again = await api.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
    assert first.status_code == again.status_code == 201
    assert again.content == first.content  # the nonce proves it was not computed twice
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert effects(database_url, name) == 1


async def test_same_key_other_body_is_422(api: httpx.AsyncClient, name: str) -> None:
    await api.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
    other = await api.post("/test/things/a", json={"name": name + "x"}, headers=keyed(f"{name}-k"))
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


async def test_twin_while_running_is_409(api: httpx.AsyncClient, name: str) -> None:
    twins = await asyncio.gather(
        *(
            api.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
            for _ in range(2)
        )
    )
    assert sorted(t.status_code for t in twins) == [201, 409]
    busy = next(t for t in twins if t.status_code == 409)
    assert busy.json()["code"] == "idempotency_key_in_use"


async def test_twenty_concurrent_requests_one_effect(
    api: httpx.AsyncClient, database_url: str, name: str
) -> None:
    responses = await asyncio.gather(
        *(
            api.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
            for _ in range(20)
        )
    )
    statuses = Counter(r.status_code for r in responses)
    assert effects(database_url, name) == 1
    assert set(statuses) <= {201, 409}
    fresh = [
        r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers
    ]
    assert len(fresh) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tinside", "caf\u00e9"])
async def test_malformed_keys_are_400(api: httpx.AsyncClient, name: str, key: str) -> None:
    response = await api.post(
        "/test/things/a",
        json={"name": name},
        headers={b"Idempotency-Key": key.encode()},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"


async def test_key_is_scoped_by_path_and_caller(app: FastAPI, database_url: str, name: str) -> None:
    async with running(app, router) as client:
        await client.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
        await client.post("/test/things/b", json={"name": name}, headers=keyed(f"{name}-k"))
        other_caller = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 4000)),
            base_url="http://localhost",
        )
        async with other_caller:
            await other_caller.post(
                "/test/things/a", json={"name": name}, headers=keyed(f"{name}-k")
            )
    assert effects(database_url, name) == 3


async def test_client_errors_are_stored_server_errors_are_not(
    api: httpx.AsyncClient, database_url: str, name: str
) -> None:
    refused = await api.post(
        "/test/things/a", json={"name": name, "refuse": True}, headers=keyed(f"{name}-4")
    )
    replayed = await api.post(
        "/test/things/a", json={"name": name, "refuse": True}, headers=keyed(f"{name}-4")
    )
    assert refused.status_code == replayed.status_code == 409
    assert replayed.headers["idempotent-replayed"] == "true"

    failed = await api.post(
        "/test/things/a", json={"name": name, "flaky": True}, headers=keyed(f"{name}-5")
    )
    assert failed.status_code == 500
    retried = await api.post(
        "/test/things/a", json={"name": name, "flaky": True}, headers=keyed(f"{name}-5")
    )
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert effects(database_url, name) == 1


async def test_without_a_key_nothing_is_stored(
    api: httpx.AsyncClient, database_url: str, name: str
) -> None:
    await api.post("/test/things/a", json={"name": name})
    await api.post("/test/things/a", json={"name": name})
    assert effects(database_url, name) == 2


async def test_expired_keys_are_new_and_purged(
    api: httpx.AsyncClient, database_url: str, name: str, session: AsyncSession
) -> None:
    await api.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = %s",
            (f"{name}-k",),
        )
    again = await api.post("/test/things/a", json={"name": name}, headers=keyed(f"{name}-k"))
    assert "idempotent-replayed" not in again.headers
    assert effects(database_url, name) == 2
    await session.execute(
        text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = :k"),
        {"k": f"{name}-k"},
    )
    assert await purge_expired(session) >= 1
    remaining = await session.scalar(
        text("SELECT count(*) FROM idempotency_keys WHERE key = :k"), {"k": f"{name}-k"}
    )
    assert remaining == 0
