"""Hot public reads kept rendered in the process's cache: a repeat costs no SQL, a cold key
is computed once, an announced change is served fresh, and nothing caller-dependent is
shared."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from hireboard.access.context import set_context
from hireboard.app import create_app
from hireboard.kit.cache import announce
from hireboard.templates import repository
from hireboard.templates.service import announce_changed
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World, build_world, remove_world
from tests.postings.test_postings import draft

pytestmark = pytest.mark.anyio

ROUTES = [
    "/v1/market/stats?role_family=backend-engineer",
    "/v1/market/roles",
    "/v1/market/roles/backend-engineer",
    "/v1/templates/backend-engineer/render?level=senior&company_name=Acme",
    "/v1/postings/feed.json?role_family=backend-engineer",
    "/v1/postings/feed.rss?level=senior",
    "/v1/postings?q=engineer&level=senior",
]


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> FastAPI:
    settings = make_settings(database_url, tmp_path, stats_cache_seconds=5, public_cache_seconds=60)
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as http:
        yield http


@pytest.fixture
def world(client: httpx.AsyncClient, app: FastAPI, database_url: str) -> Iterator[World]:
    built = build_world(app, database_url)
    yield built
    remove_world(database_url, built)


class Statements:
    """Counts the SQL statements the app's engines send."""

    def __init__(self, app: FastAPI) -> None:
        database = app.state.database
        self.engines = {id(e): e for e in (database.write_engine, database.read_engine)}
        self.count = 0
        for engine in self.engines.values():
            event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def close(self) -> None:
        for engine in self.engines.values():
            event.remove(engine.sync_engine, "before_cursor_execute", self._seen)


@pytest.fixture
def statements(client: httpx.AsyncClient, app: FastAPI) -> Iterator[Statements]:
    counter = Statements(app)
    yield counter
    counter.close()


@pytest.mark.parametrize("path", ROUTES)
async def test_a_repeat_and_a_304_are_answered_without_sql(
    client: httpx.AsyncClient, statements: Statements, path: str
) -> None:
    first = await client.get(path)
    assert first.status_code == 200, first.text
    assert statements.count > 0
    statements.count = 0
    again = await client.get(path)
    held = await client.get(path, headers={"if-none-match": first.headers["etag"]})
    assert statements.count == 0
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert held.status_code == 304 and held.content == b""


@pytest.mark.parametrize("path", ROUTES)
async def test_concurrent_requests_on_a_cold_key_compute_once(
    client: httpx.AsyncClient, app: FastAPI, statements: Statements, path: str
) -> None:
    app.state.cache.clear()
    assert (await client.get(path)).status_code == 200
    once = statements.count
    app.state.cache.clear()
    statements.count = 0
    misses = app.state.cache.stats.misses
    answers = await asyncio.gather(*(client.get(path) for _ in range(12)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert app.state.cache.stats.misses == misses + 1
    assert statements.count == once


async def _publish(client: httpx.AsyncClient, world: World, **overrides: Any) -> None:
    headers = world.headers("recruiter")
    created = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(**overrides),
        headers=headers,
    )
    assert created.status_code == 201, created.text
    published = await client.post(f"/v1/postings/{created.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text


async def _announce(app: FastAPI, *tags: str) -> None:
    async with app.state.database.write_sessions() as session, session.begin():
        await announce(session, tags)


@pytest.mark.parametrize("route", ["/v1/postings", "/v1/postings/feed.json"])
async def test_a_first_page_is_fresh_once_postings_is_announced(
    client: httpx.AsyncClient, app: FastAPI, world: World, route: str
) -> None:
    word = f"Cachedword{uuid.uuid4().hex[:8]}"
    path = f"{route}?q={word}"
    assert (await client.get(path)).json()["items"] == []
    await _publish(client, world, title=f"Senior {word} Engineer")
    await _announce(app, "postings")
    items = (await client.get(path)).json()["items"]
    assert len(items) == 1 and items[0]["title"].startswith(f"Senior {word} Engineer")


async def test_an_announcement_from_another_process_arrives_within_a_second(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    word = f"Otherword{uuid.uuid4().hex[:8]}"
    path = f"/v1/postings/feed.rss?q={word}"
    assert "<item>" not in (await client.get(path)).text
    await _publish(client, world, title=f"Staff {word} Engineer")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_notify('hireboard_cache', 'postings')")
    deadline = asyncio.get_running_loop().time() + 1.0
    while f"<title>Staff {word} Engineer" not in (await client.get(path)).text:
        assert asyncio.get_running_loop().time() < deadline, "still stale after 1 s"
        await asyncio.sleep(0.02)


async def test_market_stats_follow_an_announced_market_change(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    path = f"/v1/market/stats?organization={world.organization_id}"
    assert (await client.get(path)).json()["open_positions"] == {"n": 0}
    await _publish(client, world)
    # Posting writes do not drop statistics: the TTL (at most 5 s) bounds them.
    assert (await client.get(path)).json()["open_positions"] == {"n": 0}
    await _announce(app, "market")
    assert (await client.get(path)).json()["open_positions"] == {"n": 1}


async def test_an_edited_built_in_is_rendered_afresh(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    path = "/v1/templates/backend-engineer/render?format=text"
    before = (await client.get(path)).text
    async with app.state.database.write_sessions() as session, session.begin():
        await set_context(session, platform_admin=True)
        row = await repository.get_builtin(session, "backend-engineer")
        assert row is not None
        original = dict(row.content)
        edited = original | {"title": original["title"] + " Edited"}
        await repository.add_version(session, row.id, None, edited, None)
        await announce_changed(session, row.id, "backend-engineer")
    try:
        after = (await client.get(path)).text
    finally:
        async with app.state.database.write_sessions() as session, session.begin():
            await set_context(session, platform_admin=True)
            await repository.add_version(session, row.id, None, original, None)
            await announce_changed(session, row.id, "backend-engineer")
    assert after != before and original["title"] + " Edited" in after
    assert (await client.get(path)).text == before


async def test_an_organization_template_is_never_served_to_another_caller(
    client: httpx.AsyncClient, world: World, statements: Statements
) -> None:
    path = f"/v1/templates/{world.template_id}/render?format=text"
    member = await client.get(path, headers=world.headers("recruiter"))
    assert member.status_code == 200, member.text
    assert member.headers["cache-control"] == "private, no-cache"
    statements.count = 0
    for caller in ("anonymous", "outsider"):
        refused = await client.get(path, headers=world.headers(caller))
        assert refused.status_code == 404, (caller, refused.text)
    assert statements.count > 0
    statements.count = 0
    again = await client.get(path, headers=world.headers("recruiter"))
    assert again.content == member.content
    assert statements.count > 0  # authorised and read again, not taken from the cache


async def test_later_pages_and_incremental_sync_are_not_kept(
    client: httpx.AsyncClient, world: World, statements: Statements
) -> None:
    word = f"Pagedword{uuid.uuid4().hex[:8]}"
    for level in ("mid", "senior"):
        await _publish(client, world, title=f"{word} Engineer", level=level)
    first = (await client.get(f"/v1/postings?q={word}&limit=1")).json()
    assert first["next_cursor"] is not None
    paths = [
        f"/v1/postings?q={word}&limit=1&cursor={first['next_cursor']}",
        "/v1/postings?updated_since=2020-01-01T00:00:00Z",
    ]
    for path in paths:
        assert (await client.get(path)).status_code == 200
        statements.count = 0
        assert (await client.get(path)).status_code == 200
        assert statements.count > 0, path
