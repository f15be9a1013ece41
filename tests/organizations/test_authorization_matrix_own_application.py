"""A member who applied to their own organization, on every route that reaches the
application: the pipeline side is off limits to them (403 ``conflict_of_interest``, data
untouched), the candidate side still answers as for any candidate, and colleagues still
handle the application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings, private_tmp_dir
from tests.fixtures.world import ROLES, World, build_world, remove_world, snapshot
from tests.organizations.test_authorization_matrix import (
    APPLICATION,
    ORG,
    POSTING_PATH,
    ROUTES,
    concrete,
)

pytestmark = pytest.mark.anyio

REFUSED = 403
# The candidate side: what any candidate may do with their own application.
CANDIDATE_SIDE: dict[tuple[str, str], tuple[int, dict[str, Any] | None]] = {
    ("GET", APPLICATION): (200, None),
    ("GET", APPLICATION + "/history"): (200, None),
    ("POST", APPLICATION + "/withdraw"): (200, None),
    ("PUT", APPLICATION + "/self-identification"): (204, {"gender": "decline"}),
}
# The pipeline side: reading, noting, rating and moving it as the organization.
PIPELINE_SIDE: dict[tuple[str, str], dict[str, Any] | None] = {
    ("POST", APPLICATION + "/transitions"): {"stage": "offer"},
    ("POST", APPLICATION + "/notes"): {"body": "Hire me.", "rating": 5},
    ("GET", APPLICATION + "/notes"): None,
    ("GET", APPLICATION + "/notes/{note_id}"): None,
    ("POST", ORG + "/applications/transitions"): {
        "application_ids": ["{application_id}"],
        "stage": "offer",
    },
}
# Lists of the organization's applications leave the caller's own out.
LISTS = (ORG + "/applications", POSTING_PATH + "/applications")


def test_every_route_of_an_application_is_covered() -> None:
    covered = CANDIDATE_SIDE.keys() | PIPELINE_SIDE.keys()
    missing = {route for route in ROUTES if route[1].startswith(APPLICATION)} - covered
    assert not missing, f"say how these treat a member's own application: {missing}"


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def matrix_app(database_url: str) -> Iterator[FastAPI]:
    yield create_app(make_settings(database_url, private_tmp_dir("hireboard-own-")))


@pytest.fixture(scope="module")
async def api(matrix_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(matrix_app) as client:
        yield client


@pytest.fixture
def world(matrix_app: FastAPI, database_url: str) -> Iterator[World]:
    built = build_world(matrix_app, database_url)
    yield built
    remove_world(database_url, built)


def applied_as(database_url: str, world: World, member: str) -> None:
    """The world's application (and its resume) become ``member``'s own."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE resumes SET user_id = %s WHERE id = %s",
            (world.users[member], world.resume_id),
        )
        conn.execute(
            "UPDATE applications SET candidate_id = %s WHERE id = %s",
            (world.users[member], world.application_id),
        )


def filled(body: dict[str, Any] | None, world: World) -> dict[str, Any] | None:
    if body and body.get("application_ids") == ["{application_id}"]:
        return {**body, "application_ids": [str(world.application_id)]}
    return body


async def call(
    api: httpx.AsyncClient, world: World, caller: str, method: str, path: str, body: Any = None
) -> httpx.Response:
    url = concrete(path, world, caller)
    return await api.request(method, url, json=filled(body, world), headers=world.headers(caller))


@pytest.mark.parametrize("member", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(PIPELINE_SIDE))
async def test_the_pipeline_side_of_their_own_application_is_refused(
    api: httpx.AsyncClient, world: World, database_url: str, member: str, method: str, path: str
) -> None:
    applied_as(database_url, world, member)
    before = snapshot(database_url, world)
    response = await call(api, world, member, method, path, PIPELINE_SIDE[(method, path)])
    assert response.status_code == REFUSED, response.text
    assert response.json()["code"] == "conflict_of_interest"
    assert snapshot(database_url, world) == before, "a refused request changed data"


@pytest.mark.parametrize("member", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(CANDIDATE_SIDE))
async def test_the_candidate_side_still_answers(
    api: httpx.AsyncClient, world: World, database_url: str, member: str, method: str, path: str
) -> None:
    applied_as(database_url, world, member)
    status, body = CANDIDATE_SIDE[(method, path)]
    response = await call(api, world, member, method, path, body)
    assert response.status_code == status, response.text
    if (method, path) == ("GET", APPLICATION):
        assert "stage_name" not in response.json(), "the candidate's view, not the pipeline's"


@pytest.mark.parametrize("member", ROLES)
@pytest.mark.parametrize("path", LISTS)
async def test_lists_leave_their_own_application_out(
    api: httpx.AsyncClient, world: World, database_url: str, member: str, path: str
) -> None:
    applied_as(database_url, world, member)
    colleague = "owner" if member != "owner" else "admin"
    own = await call(api, world, member, "GET", path)
    seen = await call(api, world, colleague, "GET", path)
    assert own.status_code == seen.status_code == 200, own.text
    assert str(world.application_id) not in {item["id"] for item in own.json()["items"]}
    assert str(world.application_id) in {item["id"] for item in seen.json()["items"]}


async def test_colleagues_still_handle_the_application(
    api: httpx.AsyncClient, world: World, database_url: str
) -> None:
    applied_as(database_url, world, "recruiter")
    notes = await call(api, world, "hiring_manager", "GET", APPLICATION + "/notes")
    moved = await call(
        api, world, "owner", "POST", APPLICATION + "/transitions", {"stage": "offer"}
    )
    assert notes.status_code == 200 and notes.json()["items"][0]["body"] == "Strong."
    assert moved.status_code == 200 and moved.json()["stage"] == "offer"
