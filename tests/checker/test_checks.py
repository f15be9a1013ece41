"""POST /v1/checks, GET /v1/checks/rules and ``hireboard jd check``, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hireboard.cli.main import app as cli

pytestmark = pytest.mark.anyio

DENVER = (
    "## About the role\nYou will build the data platform of a small analytics company in "
    "Denver, Colorado, working with four engineers and two analysts on pipelines that feed "
    "the dashboards our customers open every morning.\n\n"
    "## What you will do\n- Build and run batch pipelines in Python and SQL\n"
    "- Keep the warehouse fast and tidy\n\n"
    "## What you bring\n- Three years of data engineering\n- SQL you would show a friend\n\n"
    "Full-time, hybrid in Denver. Pay: up to $150,000 a year.\n"
)


async def check(client: httpx.AsyncClient, **body: object) -> dict[str, object]:
    response = await client.post("/v1/checks", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def findings(result: dict[str, object]) -> dict[str, dict[str, object]]:
    items = result["findings"]
    assert isinstance(items, list)
    return {f["rule_id"]: f for f in items}


async def test_law_findings_with_spans_scores_and_sources(client: httpx.AsyncClient) -> None:
    result = await check(
        client, text=DENVER, jurisdictions=["US-CO"], employer_headcount=40, as_of="2026-11-23"
    )
    found = findings(result)
    closed = found["pay.us-co.closed-range"]
    assert closed["severity"] == "error"
    start, end = closed["start"], closed["end"]
    assert isinstance(start, int) and isinstance(end, int)
    assert DENVER[start:end].startswith("up to $150,000")
    assert found["pay.us-co.benefits"]["severity"] == "error"
    assert found["pay.us-co.deadline"]["start"] == found["pay.us-co.deadline"]["end"] == 0
    assert all(str(s).startswith("https://") for s in closed["sources"])  # type: ignore[attr-defined]
    assert result["jurisdictions"] == ["US-CO"]
    assert isinstance(result["score"], int) and result["score"] <= 60  # errors cap the score
    families = result["families"]
    assert isinstance(families, dict)
    assert families["pay_transparency"]["error"] >= 3
    assert families["gender_coded"]["score"] == 100
    assert isinstance(result["rules_version"], str)


async def test_code_point_offsets_count_characters_not_bytes(client: httpx.AsyncClient) -> None:
    text = "Zürich café team 🚀 wants a rockstar engineer."
    result = await check(client, text=text, jurisdictions=[])
    hype = findings(result)["realism.hype-title"]
    start, end = hype["start"], hype["end"]
    assert isinstance(start, int) and isinstance(end, int)
    assert text[start:end] == "rockstar"


async def test_headcount_thresholds_and_dates(client: httpx.AsyncClient) -> None:
    text = "Backend engineer in Seattle. We build APIs."
    unknown = findings(await check(client, text=text, jurisdictions=["US-WA"], as_of="2026-11-23"))
    assert unknown["pay.us-wa.range"]["severity"] == "warning"
    assert "headcount is unknown" in str(unknown["pay.us-wa.range"]["message"])
    small = findings(
        await check(
            client, text=text, jurisdictions=["US-WA"], employer_headcount=10, as_of="2026-11-23"
        )
    )
    assert "pay.us-wa.range" not in small
    before = findings(
        await check(
            client, text=text, jurisdictions=["US-DE"], employer_headcount=100, as_of="2026-11-23"
        )
    )
    assert not any(rule.startswith("pay.us-de") for rule in before)
    after = findings(
        await check(
            client, text=text, jurisdictions=["US-DE"], employer_headcount=100, as_of="2027-10-01"
        )
    )
    assert after["pay.us-de.range"]["severity"] == "error"


async def test_jurisdictions_come_from_the_posting(client: httpx.AsyncClient) -> None:
    result = await check(
        client,
        posting={
            "title": "Site Reliability Engineer",
            "description": "Keep our platform up. Apply by 2027-01-31 with your current salary.",
            "locations": [{"city": "New York", "region": "US-NY", "country": "US"}],
            "remote_from": ["PL"],
            "pay_ranges": [{"min": 150000, "currency": "USD", "period": "year"}],
        },
        employer_headcount=200,
        as_of="2026-11-23",
    )
    assert result["jurisdictions"] == ["PL", "US-NY-NYC"]
    found = findings(result)
    assert "pay.us-ny-nyc.closed-range" in found or "pay.us-ny.closed-range" in found
    assert found["pay.eu.pay-history"]["severity"] == "warning"  # Poland is in the EU
    assert found["pay.pl.pay-history"]["severity"] == "error"
    assert "pay.us-co.range" not in found


async def test_ontario_spread_ai_and_vacancy(client: httpx.AsyncClient) -> None:
    text = "## About the role\nData scientist in Toronto. Full-time.\n"
    result = await check(
        client,
        text=text,
        posting={
            "pay_ranges": [{"min": 90000, "max": 160000, "currency": "CAD", "period": "year"}],
            "ai_screening": True,
        },
        jurisdictions=["CA-ON"],
        employer_headcount=30,
        as_of="2026-11-23",
    )
    found = findings(result)
    assert "pay.ca-on.range" not in found  # the pay is there
    ontario = {rule for rule in found if rule.startswith("pay.ca-on")}
    assert len(ontario) >= 3, ontario  # spread, AI disclosure, vacancy status


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "x", "jurisdictions": ["Colorado"]},
        {"text": "x", "employer_headcount": -1},
        {"text": "x", "as_of": "yesterday"},
        {"text": "x", "posting": {"salary": 5}},
        {"text": "x", "severity": "low"},
    ],
)
async def test_bad_requests_are_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    response = await client.post("/v1/checks", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_rules_are_listed_with_sources_and_cached(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/checks/rules")
    assert response.status_code == 200
    body = response.json()
    rules = {rule["id"]: rule for rule in body["items"]}
    ontario = rules["pay.ca-on.range"]
    assert ontario["jurisdiction"] == "CA-ON" and ontario["effective_from"] == "2026-01-01"
    assert ontario["employer_min_headcount"] == 25
    assert all(rule["sources"] for rule in body["items"])
    again = await client.get(
        "/v1/checks/rules", headers={"if-none-match": response.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.usefixtures("keep_root_logging")
def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner(env={"HIREBOARD_DATA_DIR": str(tmp_path)})
    description = tmp_path / "jd.md"
    description.write_text(DENVER, encoding="utf-8")
    failing = runner.invoke(
        cli,
        [
            "jd",
            "check",
            str(description),
            "-j",
            "US-CO",
            "--headcount",
            "40",
            "--as-of",
            "2026-11-23",
        ],
    )
    assert failing.exit_code == 1, failing.output
    assert "pay.us-co.closed-range" in failing.output and "score" in failing.output
    clean = runner.invoke(cli, ["jd", "check", str(description), "--format", "json"])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["jurisdictions"] == []
    assert runner.invoke(cli, ["jd", "check", str(tmp_path / "missing.md")]).exit_code == 2
    assert runner.invoke(cli, ["jd", "check", str(description), "--format", "xml"]).exit_code == 2
    assert runner.invoke(cli, ["jd", "check", str(description), "-j", "Colorado"]).exit_code == 2
    piped = runner.invoke(cli, ["jd", "check", "-", "-j", "US-CO"], input="A rockstar.")
    assert piped.exit_code == 0 and "realism.hype-title" in piped.output
