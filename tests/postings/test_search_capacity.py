"""Search at scale: typos respelled from the lexicon, statement timeouts per route class
answered with 503, and estimated facets that are deterministic and cached per query."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.app import create_app
from hireboard.config import Settings
from hireboard.db import ReadSession, create_engine
from hireboard.postings import facets, repository
from hireboard.worker import registry
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World, build_world, remove_world
from tests.postings.test_postings import draft
from tests.postings.test_search import ids, publish

pytestmark = pytest.mark.anyio


def word_of(world: World, prefix: str) -> str:
    """A word no other test uses: letters only, so the text parser keeps it whole."""
    return prefix + "".join(chr(ord("a") + int(c, 16)) for c in world.organization_id.hex[:7])


def lexicon_count(database_url: str, word: str) -> int | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT postings FROM search_lexicon WHERE word = %s", (word,)
        ).fetchone()
    return None if row is None else int(row[0])


async def refresh_lexicon(settings: Settings, database_url: str) -> None:
    """What the hourly job does, as the app's role (the function is granted to it)."""
    engine = create_engine(settings, database_url)
    try:
        async with engine.begin() as connection:
            await repository.refresh_lexicon(AsyncSession(bind=connection), 60_000)
    finally:
        await engine.dispose()


async def test_a_word_that_matches_nothing_is_respelled_from_the_lexicon(
    client: httpx.AsyncClient, world: World
) -> None:
    word = word_of(world, "quok")
    board = [
        await publish(client, world, draft(title=f"{word.title()} Platform Engineer")),
        await publish(client, world, draft(title=f"Senior {word.title()} Engineer")),
    ]
    mine = f"organization={world.organization_id}"
    typo = word[:5] + word[6:]  # one letter dropped
    first = await client.get(f"/v1/postings?{mine}&q={typo} engineer&limit=1")
    assert first.json()["fuzzy"] is True
    assert first.json()["did_you_mean"] == f"{word} engineer"
    cursor = first.json()["next_cursor"]
    second = await client.get(f"/v1/postings?{mine}&q={typo} engineer&limit=1&cursor={cursor}")
    assert second.json()["fuzzy"] is True and second.json()["next_cursor"] is None
    assert sorted(ids(first) + ids(second)) == sorted(p["id"] for p in board)
    # The websearch syntax around the words is kept.
    phrase = await client.get(f'/v1/postings?{mine}&q="{typo} platform" -senior')
    assert phrase.json()["did_you_mean"] == f'"{word} platform" -senior'
    assert ids(phrase) == [board[0]["id"]]
    exact = await client.get(f"/v1/postings?{mine}&q={word}")
    assert exact.json()["fuzzy"] is False and exact.json()["did_you_mean"] is None
    assert len(ids(exact)) == 2
    nothing = await client.get(f"/v1/postings?{mine}&q=xqzjvwkk")
    assert nothing.status_code == 200 and ids(nothing) == []
    assert nothing.json()["fuzzy"] is False and nothing.json()["did_you_mean"] is None


async def test_publishing_adds_words_and_the_refresh_recounts_them(
    client: httpx.AsyncClient, world: World, settings: Settings, database_url: str
) -> None:
    word = word_of(world, "wombat")
    first = await publish(client, world, draft(title=f"{word.title()} Engineer"))
    assert lexicon_count(database_url, word) == 1  # in the publishing transaction
    second = await publish(client, world, draft(title=f"Staff {word.title()} Engineer"))
    assert lexicon_count(database_url, word) == 1  # known words are not counted on publish
    await refresh_lexicon(settings, database_url)
    assert lexicon_count(database_url, word) == 2
    for posting in (first, second):
        closed = await client.post(
            f"/v1/postings/{posting['id']}/close", headers=world.headers("admin")
        )
        assert closed.status_code == 200, closed.text
    assert lexicon_count(database_url, word) == 2
    await refresh_lexicon(settings, database_url)
    assert lexicon_count(database_url, word) is None


# Each route class and what its statement waits on while the test holds the tables.
TIMED_ROUTES = {
    "search": ("/v1/postings?q=engineer", 1.5),
    "detail": (f"/v1/postings/{uuid.uuid4()}", 0.5),
    "stats": ("/v1/market/stats?role_family=backend-engineer", 2.0),
}
LOCKED = "postings, market_facts, market_role_cells, market_role_skills, market_pay_quantiles"


@pytest.mark.parametrize("route_class", list(TIMED_ROUTES))
async def test_a_statement_cancelled_by_its_timeout_is_503_with_retry_after(
    database_url: str, tmp_path: Path, route_class: str
) -> None:
    url, timeout_s = TIMED_ROUTES[route_class]
    app = create_app(make_settings(database_url, tmp_path))  # the default timeouts
    async with running(app) as client:
        with psycopg.connect(database_url) as holder:
            # A real statement that cannot finish: it waits for these locks (the global
            # lock_timeout, 5 s, is longer than every public route's statement timeout).
            holder.execute(f"LOCK TABLE {LOCKED} IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            response = await client.get(url)
            elapsed = time.monotonic() - started
            holder.rollback()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "query_timeout"
    # Its own class's limit, not the global 5 s (generous: the 1 s bound plus).
    assert timeout_s <= elapsed < timeout_s + 1.5


async def _estimated_world(app: Any, database_url: str, tag: str, count: int) -> World:
    world = build_world(app, database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO postings (organization_id, status, title, role_family, level, "
            "employment_type, workplace_type, description, published_at, countries, "
            "required_skills) "
            # Levels scattered (a hash, not i % 3): different samples count differently.
            "SELECT %s, 'published', %s || ' Engineer', 'backend-engineer', "
            "(ARRAY['junior', 'mid', 'senior'])[1 + abs(hashtext(%s || i)) %% 3], 'full_time', "
            "(ARRAY['remote', 'hybrid', 'onsite'])[1 + i %% 3 / 2], 'Work.', now(), "
            "ARRAY[(ARRAY['US', 'DE', 'FR', 'CA', 'GB'])[1 + i %% 5]], "
            "ARRAY[(ARRAY['Go', 'Python', 'Rust', 'Java', 'Ruby', 'Elixir', 'Scala'])"
            "[1 + i %% 7]] FROM generate_series(1, %s) i",
            (world.organization_id, tag, tag, count),
        )
        conn.execute("ANALYZE postings, market_facts")
    return world


@pytest.mark.parametrize("max_sampled_rows", [20_000, 0], ids=["table sample", "by id"])
async def test_estimated_facets_are_the_same_for_the_same_query(
    synthetic_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_sampled_rows: int
) -> None:
    monkeypatch.setattr(facets, "MAX_SAMPLED_ROWS", max_sampled_rows)
    settings = make_settings(
        synthetic_database, tmp_path, search_facet_exact_limit=100, search_facet_cache_seconds=0
    )
    async with running(create_app(settings)) as client:
        # About 1,400 of 17,600 published postings: found through the text index (GIN),
        # of which the old sampling read a random subset, so six identical searches
        # answered six different facet sets.
        answers = [(await client.get("/v1/postings?q=security")).json() for _ in range(6)]
    assert all(answer["facets"] == answers[0]["facets"] for answer in answers)
    levels = answers[0]["facets"]["level"]
    assert len(levels) >= 4 and all(f["estimated"] for f in levels)
    assert 700 <= sum(f["count"] for f in levels) <= 2800


async def test_facets_are_cached_per_query_signature(database_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(database_url, tmp_path, search_facet_cache_seconds=60))
    async with running(app) as client:
        tag = f"Cachedfacet{uuid.uuid4().hex[:6]}"
        world = await _estimated_world(app, database_url, tag, 30)
        try:
            first = await client.get(f"/v1/postings?q={tag}&limit=10")
            with psycopg.connect(database_url) as conn:
                conn.execute(
                    "UPDATE postings SET level = 'staff' WHERE organization_id = %s",
                    (world.organization_id,),
                )
            cursor = first.json()["next_cursor"]
            later = await client.get(f"/v1/postings?q={tag}&limit=10&cursor={cursor}")
            narrower = await client.get(f"/v1/postings?q={tag}&level=staff")
        finally:
            remove_world(database_url, world)
    levels = {f["value"]: f["count"] for f in first.json()["facets"]["level"]}
    assert set(levels) == {"junior", "mid", "senior"} and sum(levels.values()) == 30
    # Same filters, another page: the cached facets, although every posting changed level.
    assert later.json()["facets"] == first.json()["facets"]
    assert all(p["level"] == "staff" for p in later.json()["items"])
    # Other filters, another signature: counted afresh.
    assert narrower.json()["facets"]["level"] == [
        {"value": "staff", "count": 30, "estimated": False}
    ]


async def test_other_database_errors_stay_500(database_url: str, tmp_path: Path) -> None:
    """Only a cancelled statement is load; any other database error is still a bug."""
    router = APIRouter()

    @router.get("/test/division")
    async def division(session: ReadSession) -> dict[str, int]:
        return {"n": int(await session.scalar(text("SELECT 1 / 0")) or 0)}

    async with running(create_app(make_settings(database_url, tmp_path)), router) as client:
        response = await client.get("/test/division")
    assert response.status_code == 500
    assert "retry-after" not in response.headers


def test_the_lexicon_refresh_is_scheduled_hourly() -> None:
    periodic = {p.task.name: p.cron for p in registry.periodic_registry.periodic_tasks.values()}
    assert periodic["postings.refresh_lexicon"] == "23 * * * *"
