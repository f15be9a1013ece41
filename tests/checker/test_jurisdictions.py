"""Unknown jurisdiction codes are refused, naming the field and the close matches."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hireboard.checker.jurisdictions import close_matches, is_known
from hireboard.checker.rules import packaged_rules
from hireboard.cli.main import app as cli

pytestmark = pytest.mark.anyio


async def refused(client: httpx.AsyncClient, body: dict[str, object]) -> dict[str, object]:
    response = await client.post("/v1/checks", json={"text": "A backend role.", **body})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["code"] == "unknown_jurisdiction"
    found: dict[str, object] = error
    return found


async def test_an_unknown_region_is_422_with_close_matches(client: httpx.AsyncClient) -> None:
    error = await refused(client, {"jurisdictions": ["US-CO", "US-C0"]})
    assert error["loc"] == ["body", "jurisdictions", 1]
    assert "US-C0" in str(error["msg"]) and "close matches: US-CO" in str(error["msg"])


@pytest.mark.parametrize(
    ("posting", "loc"),
    [
        ({"remote_from": ["XX-YY"]}, ["body", "posting", "remote_from", 0]),
        ({"locations": [{"region": "CA-0N"}]}, ["body", "posting", "locations", 0, "region"]),
        ({"locations": [{"country": "XX"}]}, ["body", "posting", "locations", 0, "country"]),
    ],
)
async def test_unknown_codes_in_a_posting_are_422_at_their_field(
    client: httpx.AsyncClient, posting: dict[str, object], loc: list[object]
) -> None:
    error = await refused(client, {"posting": {"description": "A role.", **posting}})
    assert error["loc"] == loc


async def test_real_places_without_rules_of_their_own_are_accepted(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/checks", json={"text": "A role.", "jurisdictions": ["US-TX", "JP", "EU", "DE-BY"]}
    )
    assert response.status_code == 200, response.text


def test_close_matches_prefer_the_same_country_and_look_alike_characters() -> None:
    assert close_matches("US-C0")[0] == "US-CO"
    assert close_matches("US-NY-NYX") == ["US-NY-NYC"]
    assert not is_known("XX-YY") and not is_known("US-CA-SFO") and is_known("US-OH-CLE")
    laws = {rule.jurisdiction for rule in packaged_rules().rules if rule.jurisdiction}
    assert all(is_known(code) for code in laws)


def test_jd_check_exits_2_naming_the_close_matches(tmp_path: Path) -> None:
    runner = CliRunner(env={"HIREBOARD_DATA_DIR": str(tmp_path)})
    answer = runner.invoke(cli, ["jd", "check", "-", "-j", "US-C0"], input="A rockstar.")
    assert answer.exit_code == 2
    assert "jurisdictions.0" in answer.output and "close matches: US-CO" in answer.output
