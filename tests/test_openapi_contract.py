"""The OpenAPI document states the rules the code enforces (issue 19, item 13).

Each rule here was found by the schemathesis run (tests/test_fuzz.py) as a valid-by-the-
document request the app refused, or an answer the document did not describe.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from hireboard.reference import countries, currencies, fx_rates
from tests.fixtures.world import World

pytestmark = pytest.mark.anyio
KINDS = ("level", "employment_type", "workplace_type")


async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def component(doc: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def without_null(prop: dict[str, Any]) -> dict[str, Any]:
    branches: list[dict[str, Any]] = [b for b in prop.get("anyOf", [prop]) if b != {"type": "null"}]
    assert len(branches) == 1
    return branches[0]


async def test_clearing_a_required_posting_field_is_422_not_500(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.patch(
        f"/v1/postings/{world.posting_id}",
        json={"role_family": None, "title": None},
        headers=world.headers("owner"),
    )
    assert response.status_code == 422, response.text
    fields = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert fields == {("body", "role_family"), ("body", "title")}


async def test_a_posting_from_a_template_refuses_null_for_a_required_field(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json={
            "template_id": str(world.template_id),
            "level": "senior",
            "employment_type": "full_time",
            "workplace_type": "remote",
            "description": None,  # would have replaced the template's (a NOT NULL column)
        },
        headers=world.headers("owner"),
    )
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["errors"]] == [["body", "description"]]


async def test_required_posting_fields_are_not_nullable(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    for model in ("PostingCreate", "PostingUpdate"):
        fields = component(doc, model)["properties"]
        for name in ("title", "role_family", "level", "description"):
            assert "anyOf" not in fields[name] and fields[name].get("type") != "null", name
        assert {"type": "null"} in fields["closes_at"]["anyOf"]  # optional ones still clear


async def test_co_required_fields_are_stated(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    create = component(doc, "PostingCreate")["anyOf"]
    assert [sorted(branch["required"]) for branch in create] == [
        sorted(
            ["title", "role_family", "level", "employment_type", "workplace_type", "description"]
        ),
        sorted(["template_id", "level", "employment_type", "workplace_type"]),
    ]
    check = component(doc, "CheckRequest")["anyOf"]
    assert check[0]["required"] == ["text"]
    assert check[1]["properties"]["posting"]["required"] == ["description"]
    assert [b["required"] for b in component(doc, "PayRangeIn")["anyOf"]] == [["min"], ["max"]]
    templates = component(doc, "TemplateCreate")["anyOf"]
    assert templates[0]["required"] == ["from_template_id"]
    assert {"role_family", "levels", "sections"} <= set(templates[1]["required"])


async def test_template_fields_carry_the_content_rules(client: httpx.AsyncClient) -> None:
    fields = component(await document(client), "TemplateFields")["properties"]
    assert fields["levels"]["minItems"] == 1 and fields["levels"]["maxItems"] == 6
    assert fields["nice_to_have_skills"]["maxItems"] == 15
    assert all("anyOf" not in prop for prop in fields.values())  # never null


async def test_reference_lists_are_stated(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    currency = without_null(component(doc, "PayRangeIn")["properties"]["currency"])
    assert currency["enum"] == sorted(currencies())
    country = component(doc, "LocationIn")["properties"]["country"]
    assert country["enum"] == sorted(countries())
    remote = without_null(component(doc, "PostingCreate")["properties"]["remote_from"])
    assert "|US|" in remote["items"]["pattern"] and "|XX|" not in remote["items"]["pattern"]
    stats = doc["paths"]["/v1/market/stats"]["get"]["parameters"]
    convert_to = next(p for p in stats if p["name"] == "convert_to")
    assert convert_to["schema"]["enum"] == sorted(fx_rates()["rates"])


async def test_objects_with_patterned_keys_refuse_other_keys(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    headcount = without_null(
        component(doc, "OrganizationCreate")["properties"]["headcount_by_region"]
    )
    values = component(doc, "RenderRequest")["properties"]["values"]
    for schema in (headcount, values):
        assert "patternProperties" in schema and schema["additionalProperties"] is False


async def test_urls_state_and_enforce_their_rule(client: httpx.AsyncClient, world: World) -> None:
    website = without_null(
        component(await document(client), "OrganizationCreate")["properties"]["website"]
    )
    assert website["pattern"].startswith("^[Hh][Tt][Tt][Pp][Ss]?://")
    assert website["maxLength"] == 1999  # "/" may be added when it is normalised
    refused = await client.patch(
        f"/v1/postings/{world.posting_id}",
        json={"apply_url": "https://jobs.example/a#b#c"},  # two fragments: not a URI
        headers=world.headers("owner"),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "apply_url"]


async def test_new_passwords_state_their_length(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    assert component(doc, "SignUp")["properties"]["password"]["minLength"] == 10
    assert component(doc, "PasswordReset")["properties"]["new_password"]["minLength"] == 10
    assert "minLength" not in component(doc, "Login")["properties"]["password"]


async def test_a_resume_download_documents_every_stored_type(client: httpx.AsyncClient) -> None:
    doc = await document(client)
    answer = doc["paths"]["/v1/resumes/{resume_id}/file"]["get"]["responses"]["200"]
    assert set(answer["content"]) == {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    }


async def test_required_text_states_it_is_not_blank(client: httpx.AsyncClient) -> None:
    """A text trimmed before its minimum length is checked: white space alone is refused,
    and the pattern says so (the fuzzer sent "\\r\\n" for a description)."""

    doc = await document(client)
    description = without_null(component(doc, "PostingCreate")["properties"]["description"])
    pattern = re.compile(description["pattern"])
    assert pattern.search("## About\r\nthe role\n") is not None
    for blank in ("\r\n", " \n\t", ""):
        assert pattern.search(blank) is None
    title = without_null(component(doc, "PostingCreate")["properties"]["title"])
    assert re.compile(title["pattern"]).search("  ") is None
