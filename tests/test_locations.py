"""Every route that answers 201 names what it made in ``Location``: an absolute URL that
the same caller can GET (200), showing the same resource. The routes come from the OpenAPI
document, so a new create route fails here until it is listed in ``CREATES``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from hireboard.app import create_app
from tests.fixtures.database import make_settings
from tests.fixtures.world import World

pytestmark = pytest.mark.anyio

ORG = "/v1/organizations/{organization_id}"
POSTING = "/v1/postings/{posting_id}"


def published(database_url: str, world: World) -> None:
    """The world's draft goes public, and the candidate's application to it goes away."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE postings SET status = 'published', published_at = now() WHERE id = %s",
            (world.posting_id,),
        )
        conn.execute("DELETE FROM applications WHERE id = %s", (world.application_id,))


def tag(world: World) -> str:
    return world.organization_id.hex[:8]


def unchanged(_database_url: str, _world: World) -> None:
    return None


@dataclass(frozen=True)
class Create:
    caller: str
    json: Callable[[World], Any] | None = None
    files: dict[str, Any] | None = None
    prepare: Callable[[str, World], None] = unchanged
    key: str = "id"  # the field the created resource is known by


POSTING_BODY = {
    "title": "Backend Engineer",
    "role_family": "backend-engineer",
    "level": "mid",
    "employment_type": "full_time",
    "workplace_type": "onsite",
    "description": "Build APIs.",
}
CREATES: dict[str, Create] = {
    "/v1/organizations": Create("candidate", lambda w: {"name": f"Initech {tag(w)}"}),
    ORG + "/invitations": Create(
        "owner", lambda w: {"email": f"new-{tag(w)}@example.com", "role": "recruiter"}
    ),
    ORG + "/api-keys": Create("owner", lambda w: {"name": "ats", "scopes": ["postings:read"]}),
    ORG + "/templates": Create("recruiter", lambda _: {"from_template_id": "backend-engineer"}),
    ORG + "/postings": Create("recruiter", lambda _: POSTING_BODY),
    ORG + "/pipeline-stages": Create(
        "admin",
        lambda _: {"key": "phone_screen", "name": "Phone screen", "category": "screening"},
        key="key",
    ),
    POSTING + "/reports": Create("outsider", lambda _: {"reason": "spam"}, prepare=published),
    POSTING + "/applications": Create(
        "candidate", lambda w: {"resume_id": str(w.resume_id)}, prepare=published
    ),
    "/v1/me/resumes": Create(
        "candidate", files={"file": ("cv.txt", b"Ada Lovelace", "text/plain")}
    ),
    "/v1/applications/{application_id}/notes": Create(
        "hiring_manager", lambda _: {"body": "Strong.", "rating": 4}
    ),
}


def create_routes() -> list[str]:
    settings = make_settings("postgresql://locations@127.0.0.1/none", Path("/nonexistent"))
    document = create_app(settings).openapi()
    return sorted(
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if "201" in operation.get("responses", {})
    )


ROUTES = create_routes()


def test_every_create_route_is_walked() -> None:
    assert set(ROUTES) == set(CREATES), "list new 201 routes in CREATES"


def concrete(path: str, world: World) -> str:
    return path.format(
        organization_id=world.organization_id,
        posting_id=world.posting_id,
        application_id=world.application_id,
    )


@pytest.mark.parametrize("path", ROUTES)
async def test_location_names_what_was_created(
    client: httpx.AsyncClient, world: World, database_url: str, path: str
) -> None:
    create = CREATES[path]
    create.prepare(database_url, world)
    headers = world.headers(create.caller)
    body = create.json(world) if create.json else None
    made = await client.post(concrete(path, world), json=body, files=create.files, headers=headers)
    assert made.status_code == 201, made.text
    location = urlsplit(made.headers["location"])
    assert location.scheme in {"http", "https"} and location.netloc, made.headers["location"]
    shown = await client.get(location.path, headers=headers)
    assert shown.status_code == 200, (location.path, shown.text)
    assert shown.json()[create.key] == made.json()[create.key]
    if path == "/v1/organizations":  # not the world's: remove it here
        with psycopg.connect(database_url) as conn:
            conn.execute("DELETE FROM organizations WHERE id = %s", (made.json()["id"],))
