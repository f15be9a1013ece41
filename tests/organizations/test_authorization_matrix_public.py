"""Every posting route, on a posting in each public state, as every kind of caller.

A published, closed or expired posting is visible to everyone, so a caller who may not
change it gets 403, never 404. Row locks once decided visibility: under row-level security
``SELECT ... FOR UPDATE`` returns no row to a caller the update policy refuses, and
``PATCH``, ``/close``, ``/publish`` and ``/takedown`` answered 404 to outsiders.

Callers refused by a route share one world (each refusal must leave it untouched); each
caller who succeeds gets a fresh one, since success changes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings, private_tmp_dir
from tests.fixtures.world import World, build_world, remove_world, snapshot
from tests.organizations.test_authorization_matrix import (
    ALL_CALLERS,
    MEMBERS,
    POSTING_PATH,
    READERS,
    ROUTES,
    WRITERS,
    concrete,
    headers,
)

pytestmark = pytest.mark.anyio

STATES = ("published", "closed", "expired")
USERS = frozenset(ALL_CALLERS) - {"anonymous", "api_key"}
Rule = Callable[[str, str], int]  # (state, caller) -> status


def only(allowed: set[str] | frozenset[str], success: int = 200, hidden: int = 403) -> Rule:
    """``allowed`` succeed; anonymous 401; the rest ``hidden`` (403: they see the posting)."""

    def status(_state: str, caller: str) -> int:
        if caller in allowed:
            return success
        return 401 if caller == "anonymous" else hidden

    return status


def writers(success: dict[str, int]) -> Rule:
    """Writers get past authorization to the state check (``success`` per state)."""
    return lambda state, caller: only(WRITERS, success[state])(state, caller)


def apply(state: str, caller: str) -> int:
    """The body names the candidate's resume (who applied already); an API key is no person."""
    if caller == "anonymous":
        return 401
    if caller == "api_key":
        return 403
    if state != "published":
        return 409  # posting_not_open
    return 409 if caller == "candidate" else 404  # already_applied; resume_not_found


def everyone(_state: str, _caller: str) -> int:
    return 200


# History and applications are the organization's: hidden (404) like an organization's
# members or applications; matches say 403 as the service treats the posting as public.
EXPECTED: dict[tuple[str, str], Rule] = {
    ("GET", POSTING_PATH): everyone,
    ("GET", POSTING_PATH + "/jsonld"): everyone,
    ("PATCH", POSTING_PATH): only(WRITERS),
    ("POST", POSTING_PATH + "/publish"): writers(dict.fromkeys(STATES, 409)),
    ("POST", POSTING_PATH + "/close"): writers({"published": 200, "closed": 409, "expired": 409}),
    # An expired posting's deadline has passed: reopening needs a new closes_at first.
    ("POST", POSTING_PATH + "/reopen"): writers({"published": 409, "closed": 200, "expired": 409}),
    ("GET", POSTING_PATH + "/history"): only(READERS, hidden=404),
    ("POST", POSTING_PATH + "/reports"): only(USERS, success=201),
    ("GET", POSTING_PATH + "/reports/{report_id}"): lambda state, caller: (
        403
        if caller == "api_key"
        else only({"candidate", "platform_admin"}, hidden=404)(state, caller)
    ),
    ("POST", POSTING_PATH + "/takedown"): only({"platform_admin"}),
    ("POST", POSTING_PATH + "/applications"): apply,
    ("GET", POSTING_PATH + "/applications"): lambda state, caller: (
        403
        if caller == "api_key"
        else only({*MEMBERS, "platform_admin"}, hidden=404)(state, caller)
    ),
    ("GET", POSTING_PATH + "/matches"): only(MEMBERS),
}
BODIES = {
    ("PATCH", POSTING_PATH): {"title": "Senior Backend Engineer"},
    ("POST", POSTING_PATH + "/reports"): {"reason": "spam"},
}
POSTING_ROUTES = [route for route in ROUTES if route[1].startswith(POSTING_PATH)]


def test_every_posting_route_has_expectations_in_public_states() -> None:
    missing = [route for route in POSTING_ROUTES if route not in EXPECTED]
    assert not missing, f"add these routes to EXPECTED: {missing}"
    assert len(POSTING_ROUTES) >= len(EXPECTED)


def make_public(database_url: str, world: World, state: str) -> None:
    """The world's draft, moved to ``state`` as its own transitions would leave it."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE postings SET status = %(state)s, published_at = now() - interval '2 days', "
            "closed_at = CASE WHEN %(state)s = 'closed' THEN now() END, "
            "closes_at = CASE WHEN %(state)s = 'expired' THEN now() - interval '1 day' END "
            "WHERE id = %(id)s",
            {"state": state, "id": world.posting_id},
        )


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def matrix_app(database_url: str) -> Iterator[FastAPI]:
    yield create_app(make_settings(database_url, private_tmp_dir("hireboard-public-")))


@pytest.fixture(scope="module")
async def api(matrix_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(matrix_app) as client:
        yield client


async def call(
    api: httpx.AsyncClient, world: World, method: str, path: str, caller: str
) -> httpx.Response:
    body = BODIES.get((method, path))
    if (method, path) == ("POST", POSTING_PATH + "/applications"):
        body = {"resume_id": str(world.resume_id)}
    return await api.request(
        method,
        concrete(path, world, "hiring_manager"),
        json=body,
        headers=headers(world, caller),
    )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("method", "path"), POSTING_ROUTES)
async def test_public_posting_routes_answer_as_the_policy_says(
    api: httpx.AsyncClient,
    matrix_app: FastAPI,
    database_url: str,
    method: str,
    path: str,
    state: str,
) -> None:
    rule = EXPECTED[(method, path)]
    wrong: list[tuple[str, int, int, str]] = []
    shared = build_world(matrix_app, database_url)
    make_public(database_url, shared, state)
    before = snapshot(database_url, shared)
    for caller in ALL_CALLERS:
        expected = rule(state, caller)
        changes = expected < 300 and method != "GET"
        world = build_world(matrix_app, database_url) if changes else shared
        if changes:
            make_public(database_url, world, state)
        response = await call(api, world, method, path, caller)
        if response.status_code != expected:
            wrong.append((caller, expected, response.status_code, response.text[:200]))
        if changes:
            remove_world(database_url, world)
            continue
        if expected >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        assert snapshot(database_url, shared) == before, f"{caller}'s {method} changed data"
    remove_world(database_url, shared)
    assert not wrong, wrong
