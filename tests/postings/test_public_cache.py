"""Posting detail and JSON-LD for anonymous callers: stored by the write, one lookup on a
miss, answered from each process's cache, and dropped everywhere when the posting changes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from hireboard.postings.tasks import expire
from tests.fixtures.world import World
from tests.postings.test_postings import create
from tests.test_serve import wait_for
from tests.test_smoke import free_port

pytestmark = pytest.mark.anyio


async def published(client: httpx.AsyncClient, world: World, **overrides: Any) -> str:
    posting = await create(client, world, **overrides)
    response = await client.post(
        f"/v1/postings/{posting['id']}/publish", headers=world.headers("recruiter")
    )
    assert response.status_code == 200, response.text
    return str(posting["id"])


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement any of the app's engines sends while the block runs."""
    seen: list[str] = []
    database = app.state.database

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engines = {database.write_engine, database.read_engine, database.lean_engine}
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


def stored(database_url: str, posting_id: str) -> tuple[bytes | None, bytes | None] | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT document, jsonld FROM posting_public WHERE posting_id = %s", (posting_id,)
        ).fetchone()
    return None if row is None else (row[0], row[1])


async def test_the_write_stores_the_answers_and_a_miss_is_one_statement(
    client: httpx.AsyncClient, app: FastAPI, world: World, database_url: str
) -> None:
    posting_id = await published(client, world)
    saved = stored(database_url, posting_id)
    assert saved is not None and saved[0] is not None and saved[1] is not None
    path = f"/v1/postings/{posting_id}"
    with statements(app) as sent:
        detail = await client.get(path)
    assert detail.status_code == 200
    assert detail.content == saved[0]
    assert detail.json()["status"] == "published"
    assert len(sent) == 1 and "posting_public" in sent[0], sent
    with statements(app) as sent:
        jsonld = await client.get(path + "/jsonld")
    assert jsonld.content == saved[1]
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert jsonld.json()["@type"] == "JobPosting"
    assert len(sent) == 1, sent


async def test_a_cached_answer_and_its_304_send_no_sql(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    posting_id = await published(client, world)
    path = f"/v1/postings/{posting_id}"
    first = await client.get(path)
    etag = first.headers["etag"]
    # The publish's own notification may still reach the bus and drop the entry once.
    for _ in range(100):
        with statements(app) as sent:
            again = await client.get(path)
        if not sent:
            break
        await asyncio.sleep(0.02)
    assert sent == [] and again.content == first.content and again.headers["etag"] == etag
    with statements(app) as sent:
        unchanged = await client.get(path, headers={"if-none-match": etag})
        jsonld = await client.get(path + "/jsonld")
        cached_jsonld = await client.get(path + "/jsonld")
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert jsonld.content == cached_jsonld.content
    assert len(sent) == 1  # the JSON-LD's miss; its second read is cached


async def test_a_posting_without_stored_answers_is_rendered_once_and_stored(
    client: httpx.AsyncClient, app: FastAPI, world: World, database_url: str
) -> None:
    """Bulk-loaded postings (``seed synthetic``) have no stored answers until first read."""
    posting_id = await published(client, world)
    expected = (
        await client.get(f"/v1/postings/{posting_id}", headers=world.headers("owner"))
    ).json()
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM posting_public WHERE posting_id = %s", (posting_id,))
    app.state.cache.clear()
    response = await client.get(f"/v1/postings/{posting_id}")
    assert response.status_code == 200 and response.json() == expected
    refilled = stored(database_url, posting_id)
    assert refilled is not None and refilled[0] == response.content and refilled[1] is not None
    app.state.cache.clear()
    with statements(app) as sent:
        assert (await client.get(f"/v1/postings/{posting_id}")).content == response.content
    assert len(sent) == 1


async def test_drafts_and_taken_down_postings_stay_private(
    client: httpx.AsyncClient, world: World, database_url: str
) -> None:
    draft = await create(client, world)
    assert (await client.get(f"/v1/postings/{draft['id']}")).status_code == 404
    assert (await client.get(f"/v1/postings/{draft['id']}/jsonld")).status_code == 404
    assert stored(database_url, draft["id"]) is None
    posting_id = await published(client, world)
    path = f"/v1/postings/{posting_id}"
    assert (await client.get(path)).status_code == 200
    removed = await client.post(path + "/takedown", headers=world.headers("platform_admin"))
    assert removed.status_code == 200, removed.text
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path + "/jsonld")).status_code == 404
    assert stored(database_url, posting_id) == (None, None)
    mine = await client.get(path, headers=world.headers("owner"))
    assert mine.status_code == 200 and mine.json()["status"] == "removed"


async def test_publishing_a_draft_someone_already_asked_for_serves_it(
    client: httpx.AsyncClient, world: World
) -> None:
    draft = await create(client, world)
    path = f"/v1/postings/{draft['id']}"
    assert (await client.get(path)).status_code == 404  # the 404 is cached
    published_ = await client.post(path + "/publish", headers=world.headers("recruiter"))
    assert published_.status_code == 200
    assert (await client.get(path)).status_code == 200


async def test_renaming_the_organization_renders_its_postings_again(
    client: httpx.AsyncClient, world: World
) -> None:
    posting_id = await published(client, world)
    path = f"/v1/postings/{posting_id}"
    assert (await client.get(path)).status_code == 200
    renamed = await client.patch(
        f"/v1/organizations/{world.organization_id}",
        json={"name": "Renamed Ltd"},
        headers=world.headers("owner"),
    )
    assert renamed.status_code == 200, renamed.text
    deadline = time.monotonic() + 5  # the trigger's notification reaches this process's bus
    while time.monotonic() < deadline:
        if (await client.get(path)).json()["organization"]["name"] == "Renamed Ltd":
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the old organization name was still served")


async def test_expiry_drops_the_stored_and_cached_answers(
    client: httpx.AsyncClient, app: FastAPI, world: World, database_url: str
) -> None:
    posting_id = await published(client, world)
    path = f"/v1/postings/{posting_id}"
    assert (await client.get(path)).json()["status"] == "published"  # cached now
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE postings SET closes_at = now() - interval '1 minute' WHERE id = %s",
            (posting_id,),
        )
    async with app.state.database.write_sessions() as session, session.begin():
        await expire(session, timestamp=0)
    assert stored(database_url, posting_id) is None
    assert (await client.get(path)).json()["status"] == "expired"
    assert (await client.get(path + "/jsonld")).status_code == 200
    refilled = stored(database_url, posting_id)
    assert refilled is not None and b'"expired"' in (refilled[0] or b"")


# --- two processes -------------------------------------------------------------------------

TITLE = "Staff Backend Engineer"


@contextmanager
def server(database_url: str, data_dir: Path, log: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env |= {"HIREBOARD_DATABASE_URL": database_url, "HIREBOARD_DATA_DIR": str(data_dir)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hireboard", "serve", "--port", str(port), "--no-worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(url, process)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


async def _never_old_after_1s(
    http: httpx.AsyncClient, urls: list[str], path: str, is_old: Any
) -> None:
    """Polls every process from the moment the change's request returned (it had committed)
    for 1.5 s: the old form may show up during the first second, never after it."""
    committed = time.monotonic()
    while (elapsed := time.monotonic() - committed) < 1.5:
        for url in urls:
            response = await http.get(url + path)
            late = time.monotonic() - committed > 1.0
            assert not (late and is_old(response)), (url, elapsed, response.text[:200])
        await asyncio.sleep(0.02)


async def test_a_change_in_one_process_reaches_the_other_within_a_second(
    client: httpx.AsyncClient, world: World, database_url: str, settings: Any, tmp_path: Path
) -> None:
    posting_id = await published(client, world)
    path = f"/v1/postings/{posting_id}"
    with (
        server(database_url, settings.data_dir, tmp_path / "a.log") as a,
        server(database_url, settings.data_dir, tmp_path / "b.log") as b,
    ):
        async with httpx.AsyncClient(timeout=10) as http:

            async def warm() -> None:
                for url in (a, b):
                    for _ in range(2):
                        assert (await http.get(url + path)).status_code == 200
                        assert (await http.get(url + path + "/jsonld")).status_code == 200

            await warm()
            edited = await http.patch(
                a + path,
                json={"title": "Staff Backend Engineer"},
                headers=world.headers("recruiter"),
            )
            assert edited.status_code == 200, edited.text
            await _never_old_after_1s(http, [a, b], path, lambda r: r.json()["title"] != TITLE)
            await _never_old_after_1s(
                http,
                [a, b],
                path + "/jsonld",
                lambda r: r.json()["title"] != TITLE,
            )

            await warm()
            closed = await http.post(a + path + "/close", headers=world.headers("recruiter"))
            assert closed.status_code == 200, closed.text
            await _never_old_after_1s(http, [a, b], path, lambda r: r.json()["status"] != "closed")

            await warm()
            removed = await http.post(
                b + path + "/takedown", headers=world.headers("platform_admin")
            )
            assert removed.status_code == 200, removed.text
            await _never_old_after_1s(http, [a, b], path, lambda r: r.status_code != 404)
            await _never_old_after_1s(
                http, [a, b], path + "/jsonld", lambda r: r.status_code != 404
            )
