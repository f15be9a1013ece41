"""Every route that takes an id, called as every kind of caller, answers as the policy says.

The routes come from the OpenAPI document, so a new route joins the matrix by itself and
fails here until its expected answers are written into ``EXPECTED``. A refused request
must leave every row of the organizations untouched.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings, private_tmp_dir
from tests.fixtures.world import CALLERS, World, build_world, remove_world, snapshot

pytestmark = pytest.mark.anyio

MANAGERS = {"owner", "admin"}
MEMBERS = {"owner", "admin", "recruiter", "hiring_manager"}
ALL_CALLERS = (*CALLERS, "api_key")


@dataclass(frozen=True)
class Expect:
    """Who succeeds; the rest get 401 (anonymous), 404 (cannot see) or 403 (can see)."""

    allowed: frozenset[str]
    success: int = 200
    public: bool = False  # the object is visible to every caller: outsiders get 403, not 404
    anonymous: int = 401  # routes open to anonymous callers hide private objects with 404
    body: dict[str, Any] | None = None
    # Callers who may see the organization's private side without a role that allows this.
    sees: frozenset[str] = frozenset({*MEMBERS, "platform_admin", "api_key"})

    def status_for(self, caller: str) -> int:
        if caller in self.allowed:
            return self.success
        if caller == "anonymous":
            return self.anonymous
        if self.public or caller in self.sees:
            return 403
        return 404


def expect(allowed: set[str], **kwargs: Any) -> Expect:
    return Expect(frozenset(allowed), **kwargs)


ORG = "/v1/organizations/{organization_id}"
TEMPLATE = "/v1/templates/{template_id}"  # an organization's template (built-ins are public)
READERS = {*MEMBERS, "platform_admin", "api_key"}
WRITERS = {*MANAGERS, "recruiter"}
POSTING_PATH = "/v1/postings/{posting_id}"
RESUME = "/v1/resumes/{resume_id}"
APPLICATION = "/v1/applications/{application_id}"
CANDIDATE_AND_MEMBERS = {"candidate", *MEMBERS}
POSTING = {
    "title": "Backend Engineer",
    "role_family": "backend-engineer",
    "level": "mid",
    "employment_type": "full_time",
    "workplace_type": "onsite",
    "description": "Build APIs.",
}
EXPECTED: dict[tuple[str, str], Expect] = {
    ("GET", ORG): expect(set(ALL_CALLERS)),
    ("PATCH", ORG): expect(MANAGERS, public=True, body={"description": "Changed."}),
    ("GET", ORG + "/members"): expect({*MEMBERS, "platform_admin", "api_key"}),
    ("PATCH", ORG + "/members/{user_id}"): expect(MANAGERS, body={"role": "recruiter"}),
    ("DELETE", ORG + "/members/{user_id}"): expect(MANAGERS, success=204),
    ("GET", ORG + "/invitations"): expect({*MANAGERS, "platform_admin"}),
    ("POST", ORG + "/invitations"): expect(
        MANAGERS, success=201, body={"email": "new-person@example.com", "role": "recruiter"}
    ),
    ("GET", ORG + "/invitations/{invitation_id}"): expect({*MANAGERS, "platform_admin"}),
    ("DELETE", ORG + "/invitations/{invitation_id}"): expect(MANAGERS, success=204),
    ("GET", ORG + "/api-keys"): expect({*MANAGERS, "platform_admin"}),
    ("POST", ORG + "/api-keys"): expect(
        MANAGERS, success=201, body={"name": "ats", "scopes": ["postings:read"]}
    ),
    ("GET", ORG + "/api-keys/{key_id}"): expect({*MANAGERS, "platform_admin"}),
    ("DELETE", ORG + "/api-keys/{key_id}"): expect(MANAGERS, success=204),
    ("GET", ORG + "/audit-log"): expect({*MANAGERS, "platform_admin"}),
    ("POST", ORG + "/templates"): expect(
        {*MANAGERS, "recruiter"}, success=201, body={"from_template_id": "backend-engineer"}
    ),
    ("GET", TEMPLATE): expect(READERS, anonymous=404),
    ("PATCH", TEMPLATE): expect({*MANAGERS, "recruiter"}, body={"title": "Renamed"}),
    ("GET", TEMPLATE + "/versions"): expect(READERS, anonymous=404),
    ("GET", TEMPLATE + "/versions/{version}"): expect(READERS, anonymous=404),
    ("GET", TEMPLATE + "/render"): expect(READERS, anonymous=404),
    ("POST", TEMPLATE + "/render"): expect(READERS, anonymous=404, body={"format": "text"}),
    ("POST", ORG + "/postings"): expect(WRITERS, success=201, body=POSTING),
    ("GET", ORG + "/postings"): expect(READERS),
    # The world's posting is a draft: private to its organization.
    ("GET", POSTING_PATH): expect(READERS, anonymous=404),
    ("GET", POSTING_PATH + "/jsonld"): expect(READERS, anonymous=404),
    ("PATCH", POSTING_PATH): expect(WRITERS, body={"title": "Renamed draft"}),
    ("POST", POSTING_PATH + "/publish"): expect(WRITERS),
    # Allowed callers get past authorization to the state check: a draft cannot close.
    ("POST", POSTING_PATH + "/close"): expect(WRITERS, success=409),
    ("POST", POSTING_PATH + "/reopen"): expect(WRITERS, success=409),
    ("GET", POSTING_PATH + "/history"): expect(READERS),
    # Only public postings can be reported; an API key is not a person.
    ("POST", POSTING_PATH + "/reports"): expect(
        set(), body={"reason": "spam"}, sees=frozenset({"api_key"})
    ),
    # A report is its reporter's (the world's candidate) and the moderators'.
    ("GET", POSTING_PATH + "/reports/{report_id}"): expect(
        {"candidate", "platform_admin"}, sees=frozenset({"api_key"})
    ),
    ("POST", POSTING_PATH + "/takedown"): expect({"platform_admin"}, sees=frozenset()),
    ("GET", "/v1/market/roles/{role_family}"): expect(set(ALL_CALLERS)),
    # The world's posting is a draft: nobody can apply to it.
    ("POST", POSTING_PATH + "/applications"): expect(
        set(), body={"resume_id": "{resume_id}"}, sees=frozenset({"api_key"})
    ),
    ("GET", APPLICATION): expect({*CANDIDATE_AND_MEMBERS, "platform_admin"}),
    ("GET", APPLICATION + "/history"): expect({*CANDIDATE_AND_MEMBERS, "platform_admin"}),
    ("POST", APPLICATION + "/withdraw"): expect({"candidate"}, sees=frozenset({"api_key"})),
    ("POST", APPLICATION + "/transitions"): expect(MEMBERS, body={"stage": "screening"}),
    ("GET", ORG + "/pipeline-stages"): expect({*MEMBERS, "platform_admin"}),
    ("POST", ORG + "/pipeline-stages"): expect(
        MANAGERS,
        success=201,
        body={"key": "phone_screen", "name": "Phone screen", "category": "screening"},
    ),
    ("GET", ORG + "/pipeline-stages/{key}"): expect({*MEMBERS, "platform_admin"}),
    ("PATCH", ORG + "/pipeline-stages/{key}"): expect(MANAGERS, body={"name": "New"}),
    ("POST", APPLICATION + "/notes"): expect(MEMBERS, success=201, body={"body": "Good."}),
    ("GET", APPLICATION + "/notes"): expect({*MEMBERS, "platform_admin"}),
    ("GET", APPLICATION + "/notes/{note_id}"): expect({*MEMBERS, "platform_admin"}),
    ("GET", ORG + "/applications"): expect({*MEMBERS, "platform_admin"}),
    ("PUT", APPLICATION + "/self-identification"): expect(
        {"candidate"}, success=204, body={"gender": "decline"}, sees=frozenset({"api_key"})
    ),
    ("GET", ORG + "/self-identification-report"): expect(MANAGERS),
    ("GET", POSTING_PATH + "/matches"): expect(MEMBERS),
    ("GET", POSTING_PATH + "/applications"): expect({*MEMBERS, "platform_admin"}),
    ("POST", ORG + "/applications/transitions"): expect(
        MEMBERS, body={"application_ids": ["{application_id}"], "stage": "screening"}
    ),
    # A resume is its owner's, and readable by the organizations applied to with it.
    ("GET", RESUME): expect(CANDIDATE_AND_MEMBERS, sees=frozenset({"api_key"})),
    ("GET", RESUME + "/file"): expect(CANDIDATE_AND_MEMBERS, sees=frozenset({"api_key"})),
    ("DELETE", RESUME): expect({"candidate"}, success=204, sees=frozenset({"api_key"})),
    # The token is the credential: only the invited address's account may accept.
    ("POST", "/v1/invitations/{token}/accept"): expect(
        {"candidate"}, public=True, sees=frozenset()
    ),
}


def routes_with_ids() -> list[tuple[str, str]]:
    settings = make_settings("postgresql://matrix@127.0.0.1/none", Path("/nonexistent"))
    document = create_app(settings).openapi()
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if "{" in path
        for method in operations
    )


ROUTES = routes_with_ids()


def test_every_route_with_an_id_has_expectations() -> None:
    missing = [route for route in ROUTES if route not in EXPECTED]
    assert not missing, f"add these routes to EXPECTED: {missing}"
    assert ROUTES, "the OpenAPI document lists no routes with ids"


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def matrix_app(database_url: str) -> Iterator[FastAPI]:
    data_dir = private_tmp_dir("hireboard-matrix-")
    yield create_app(make_settings(database_url, data_dir))


@pytest.fixture(scope="module")
async def api(matrix_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(matrix_app) as client:
        yield client


def concrete(path: str, world: World, target_user: str) -> str:
    return path.format(
        organization_id=world.organization_id,
        user_id=world.users[target_user],
        invitation_id=world.invitation_id,
        key_id=world.api_key_id,
        token=world.invitation_token,
        template_id=world.template_id,
        posting_id=world.posting_id,
        role_family="backend-engineer",
        resume_id=world.resume_id,
        application_id=world.application_id,
        note_id=world.note_id,
        report_id=world.report_id,
        key="applied",
        version=1,
    )


def headers(world: World, caller: str) -> dict[str, str]:
    if caller == "api_key":
        return {"authorization": f"Bearer {world.api_key}"}
    return world.headers(caller)


@pytest.mark.parametrize("caller", ALL_CALLERS)
@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_route_answers_as_the_policy_says(
    api: httpx.AsyncClient,
    matrix_app: FastAPI,
    database_url: str,
    method: str,
    path: str,
    caller: str,
) -> None:
    rule = EXPECTED.get((method, path))
    if rule is None:
        pytest.fail(f"{method} {path} has no expectations (see EXPECTED)")
    world = build_world(matrix_app, database_url)
    target_user, status = "hiring_manager", rule.status_for(caller)
    if method == "DELETE" and path.endswith("{user_id}") and caller == "hiring_manager":
        # Removing yourself is leaving, which every member may do: aim at someone else.
        target_user, status = "recruiter", 403
    before = snapshot(database_url, world)
    body = dict(rule.body) if rule.body else None
    if body and body.get("resume_id") == "{resume_id}":
        body["resume_id"] = str(world.resume_id)
    if body and body.get("application_ids") == ["{application_id}"]:
        body["application_ids"] = [str(world.application_id)]
    if body and "email" in body:
        body["email"] = f"new-{secrets.token_hex(3)}@example.com"
    response = await api.request(
        method, concrete(path, world, target_user), json=body, headers=headers(world, caller)
    )
    assert response.status_code == status, (caller, response.text)
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert snapshot(database_url, world) == before, "a refused request changed data"
    remove_world(database_url, world)
