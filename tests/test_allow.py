"""405 names, in Allow, every method the path serves: checked for every documented path."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.anyio
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
SAMPLE_ID = "0b5f6a4e-8a57-4c1d-9d7e-2f1f0c3a9b11"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_TYPED = frozenset({"/v1/postings/{posting_id}"})


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", SAMPLE_ID, template)


def served_at(paths: dict[str, dict[str, object]], path: str) -> set[str]:
    """Methods documented for every template that matches ``path`` (several can)."""
    served: set[str] = set()
    for template, operations in paths.items():
        # `{posting_id:uuid}` in the route: only a UUID reaches it (feed.json does not).
        segment = UUID if template in UUID_TYPED else "[^/]+"
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", segment, re.escape(template)) + "$"
        if re.match(pattern, path):
            served |= {method.upper() for method in operations if method.upper() in METHODS}
    return served


async def test_every_documented_path_lists_its_methods_on_405(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    mismatches = []
    for template in paths:
        path = concrete(template)
        documented = served_at(paths, path)
        for method in sorted(set(METHODS) - documented):
            response = await client.request(method, path)
            allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m}
            if response.status_code != 405 or allow != documented:
                mismatches.append((method, template, response.status_code, sorted(allow)))
    assert mismatches == []


async def test_405_from_two_routers_is_problem_json_with_an_ordered_allow(
    client: httpx.AsyncClient,
) -> None:
    # GET /v1/me is identity's, DELETE /v1/me privacy's: Starlette alone named only one.
    response = await client.put("/v1/me")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["allow"] == "GET, DELETE"
