"""Every string the OpenAPI document lists refuses control characters (issue 19.3).

Generated from the app's own document: each string parameter (query and path) and each
string body field, however deeply nested, gets NUL and other control characters; the
answer must be 422 naming exactly that field, never a 500 and never a success. Fields
the document marks as free text (the shared text type's ``pattern``) are also sent the
characters their pattern refuses, and multi-line ones a newline they must accept.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from hireboard.kit.pagination import encode_cursor
from hireboard.kit.text import (
    MULTI_LINE_FILLED,
    MULTI_LINE_PATTERN,
    SINGLE_LINE_FILLED,
    SINGLE_LINE_PATTERN,
)
from tests.fixtures.world import World

MULTI_LINE = (MULTI_LINE_PATTERN, MULTI_LINE_FILLED)
SINGLE_LINE = (SINGLE_LINE_PATTERN, SINGLE_LINE_FILLED)

pytestmark = pytest.mark.anyio

Loc = tuple[str | int, ...]
# What a string that is not free text may be instead: these formats refuse NUL on parsing.
FORMATS = {"uuid", "date-time", "date", "email", "uri", "binary"}
BAD_SINGLE = ("\x00", "\n", "\r", "\x1b", "\x7f", "\x85")
BAD_MULTI = ("\x00", "\r", "\x0b", "\x1b", "\x9f")


@dataclass(frozen=True)
class Target:
    """One string to poison: where it goes in the request and what its schema says."""

    method: str
    path: str
    where: str  # "query", "path" or "body"
    loc: Loc  # the field's location as a validation error names it (after ``where``)
    schema: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} {self.where}.{'.'.join(map(str, self.loc))}"


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def strings(
    doc: dict[str, Any], schema: dict[str, Any], loc: Loc
) -> Iterator[tuple[Loc, dict[str, Any]]]:
    """``(loc, schema)`` of every string reachable in ``schema`` (arrays at index 0)."""
    schema = _resolve(doc, schema)
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from strings(doc, branch, loc)
    kind = schema.get("type")
    if kind == "string":
        yield loc, schema
    elif kind == "array" and "items" in schema:
        yield from strings(doc, schema["items"], (*loc, 0))
    elif kind == "object":
        for name, field in schema.get("properties", {}).items():
            yield from strings(doc, field, (*loc, name))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            yield from strings(doc, extra, (*loc, "x"))


def targets(doc: dict[str, Any]) -> Iterator[Target]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] not in {"query", "path"}:
                    continue
                for loc, schema in strings(doc, parameter["schema"], (parameter["name"],)):
                    yield Target(method, path, parameter["in"], loc, schema)
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for loc, schema in strings(doc, content["application/json"]["schema"], ()):
                    yield Target(method, path, "body", loc, schema)


def _nest(loc: Loc, value: Any) -> Any:
    for step in reversed(loc):
        value = [value] if isinstance(step, int) else {step: value}
    return value


def request(target: Target, value: str, ids: dict[str, str]) -> dict[str, Any]:
    """The arguments of ``client.request`` that put ``value`` at ``target``."""
    url = target.path
    for name in re.findall(r"\{(\w+)\}", target.path):
        given = value if target.where == "path" and target.loc[0] == name else ids.get(name)
        url = url.replace(f"{{{name}}}", quote(given or str(uuid.uuid4()), safe=""))
    arguments: dict[str, Any] = {"method": target.method.upper(), "url": url}
    if target.where == "query":
        arguments["params"] = {str(target.loc[0]): value}
    if target.where == "body":
        arguments["json"] = _nest(target.loc, value) if target.loc else value
    elif target.method in {"post", "put", "patch"}:
        arguments["json"] = {}
    return arguments


def names_field(errors: list[dict[str, Any]], where: str, loc: Loc) -> bool:
    """Some error is at ``loc``; union branches may add their own tags between the steps."""
    wanted = [where, *loc]
    for error in errors:
        steps = iter(error["loc"])
        if error["loc"][:1] == [where] and all(step in steps for step in wanted):
            return True
    return False


def _world_ids(world: World) -> dict[str, str]:
    return {
        "organization_id": str(world.organization_id),
        "posting_id": str(world.posting_id),
        "application_id": str(world.application_id),
        "template_id": str(world.template_id),
        "resume_id": str(world.resume_id),
        "key_id": str(world.api_key_id),
        "invitation_id": str(world.invitation_id),
        "user_id": str(world.users["owner"]),
    }


def bad_values(schema: dict[str, Any]) -> tuple[str, ...]:
    if schema.get("pattern") in MULTI_LINE:
        return BAD_MULTI
    if schema.get("pattern") in SINGLE_LINE:
        return BAD_SINGLE
    return ("\x00",)


def uuid_typed_paths(app: FastAPI) -> set[tuple[str, str, str]]:
    """(method, documented path, "path") of routes whose id segment is ``{name:uuid}``."""
    found: set[tuple[str, str, str]] = set()
    pending: list[Any] = list(app.router.routes)
    while pending:  # routers are nested in this FastAPI version
        route = pending.pop()
        pending.extend(getattr(getattr(route, "original_router", None), "routes", []))
        if isinstance(route, APIRoute) and ":uuid}" in route.path:
            found |= {(method.lower(), route.path_format, "path") for method in route.methods or ()}
    return found


async def _refused(
    client: httpx.AsyncClient,
    target: Target,
    value: str,
    ids: dict[str, str],
    token: str,
    typed_paths: set[tuple[str, str, str]],
) -> str | None:
    """None when ``value`` at ``target`` is a 422 naming the field, else what went wrong."""
    arguments = request(target, value, ids)
    response = await client.request(**arguments, headers={"authorization": f"Bearer {token}"})
    if (target.method, target.path, target.where) in typed_paths and response.status_code == 404:
        # A `{name:uuid}` path segment: anything but a UUID matches no route at all.
        return None if response.headers["content-type"] == "application/problem+json" else "404"
    if response.status_code != 422:
        return f"{target} {value!r}: {response.status_code} {response.text[:200]}"
    errors = response.json().get("errors", [])
    if not names_field(errors, target.where, target.loc):
        return f"{target} {value!r}: 422 without the field: {errors}"
    return None


def test_every_request_string_is_constrained(app: FastAPI) -> None:
    """Free text carries the shared type's pattern; other strings are enums, formats or
    patterns that exclude NUL. A plain ``str`` added later fails here."""
    doc = app.openapi()
    loose = [
        str(target)
        for target in targets(doc)
        if "enum" not in target.schema
        and "const" not in target.schema
        and target.schema.get("format") not in FORMATS
        and not ("pattern" in target.schema and re.search(target.schema["pattern"], "\x00") is None)
    ]
    assert loose == [], "\n".join(loose)


async def test_control_characters_are_refused_everywhere(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    doc = app.openapi()
    found = list(targets(doc))
    assert len(found) > 150  # the walk reaches nested fields, not only the top level
    ids = _world_ids(world)
    token = world.tokens["owner"]
    typed = uuid_typed_paths(app)
    assert typed  # the posting's own path is typed (see postings/endpoints.py)
    failures = [
        failure
        for target in found
        for value in bad_values(target.schema)
        if (failure := await _refused(client, target, value, ids, token, typed))
    ]
    assert failures == [], "\n".join(failures)


async def test_multi_line_fields_take_newlines_and_tabs(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """The other side of the rule: a newline and a tab are no error in multi-line text."""
    doc = app.openapi()
    multi = [t for t in targets(doc) if t.schema.get("pattern") in MULTI_LINE]
    assert {t.loc[-1] for t in multi} >= {"description", "cover_letter", "body", "text"}
    ids = _world_ids(world)
    for target in multi:
        arguments = request(target, "line one\r\n\tline two", ids)
        headers = {"authorization": f"Bearer {world.tokens['owner']}"}
        response = await client.request(**arguments, headers=headers)
        assert response.status_code != 500, target
        errors = response.json().get("errors", []) if response.status_code == 422 else []
        assert not names_field(errors, target.where, target.loc), (str(target), errors)


async def test_a_forged_cursor_carrying_nul_is_refused(client: httpx.AsyncClient) -> None:
    """The cursor's own text is base64url; what it decodes to is checked too."""
    forged = encode_cursor(["x", "\x00", str(uuid.uuid4())])
    response = await client.get("/v1/postings", params={"cursor": forged})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_a_line_break_in_an_organization_name_is_422(
    client: httpx.AsyncClient, world: World
) -> None:
    """It answered 201, then the invitation email's Subject broke and killed the job."""
    response = await client.post(
        "/v1/organizations",
        json={"name": "Acme\r\nBcc: victim@example.com"},
        headers=world.headers("owner"),
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "name"]]
    assert response.json()["errors"][0]["code"] == "control_character"
