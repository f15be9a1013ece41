"""The checker runs in a worker thread (the API keeps answering), and /v1/checks is rate
limited (issue 19, item 1)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from hireboard.app import create_app
from hireboard.checker import service
from hireboard.checker.limits import MAX_TEXT_CHARS, MAX_TOKEN
from hireboard.postings import service as postings
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World
from tests.postings.test_postings import create

pytestmark = pytest.mark.anyio


class Held:
    """Wraps a checker entry point: records its thread and holds it until released."""

    def __init__(self, real: Any) -> None:
        self.real, self.threads = real, list[int]()
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, *args: Any) -> Any:
        self.threads.append(threading.get_ident())
        self.entered.set()
        self.release.wait(10)  # on the loop (the bug) this blocks everything for 10 s
        return self.real(*args)


async def test_healthz_answers_while_a_largest_size_check_is_in_flight(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = Held(service.check)
    monkeypatch.setattr(service, "check", held)
    done: list[httpx.Response] = []

    async def hostile() -> None:
        done.append(await client.post("/v1/checks", json={"text": "a" * MAX_TEXT_CHARS}))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(hostile)
        assert await anyio.to_thread.run_sync(held.entered.wait, 20)
        health = await client.get("/healthz")
        in_flight = not done
        held.release.set()
    assert health.status_code == 200 and in_flight
    assert held.threads[0] != threading.get_ident()
    assert done[0].status_code == 200, done[0].text
    # One 200,000-letter word is counted in words of at most the token cap.
    assert done[0].json()["metrics"]["word_count"] == -(-MAX_TEXT_CHARS // MAX_TOKEN)


async def test_publishing_and_editing_a_published_posting_check_in_a_thread(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = Held(postings.findings_for)
    held.release.set()
    monkeypatch.setattr(postings, "findings_for", held)
    posting = await create(client, world)
    path = f"/v1/postings/{posting['id']}"
    published = await client.post(path + "/publish", headers=world.headers("recruiter"))
    assert published.status_code == 200, published.text
    edited = await client.patch(
        path, json={"title": "Staff Engineer"}, headers=world.headers("admin")
    )
    assert edited.status_code == 200, edited.text
    assert len(held.threads) == 2
    assert threading.get_ident() not in held.threads


async def test_checks_are_rate_limited_per_client(database_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(database_url, tmp_path, checks_per_address="2/minute"))
    async with running(app) as client:
        answers = [await client.post("/v1/checks", json={"text": "Hi."}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"checks";q=2;w=60'
    assert answers[1].headers["ratelimit"].startswith('"checks";r=0;')
    refused = answers[2]
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
