"""Pay figures written in the text, bullets read as bullets, and places in the title line
(issue 22 items 1, 2 and 6): one parser for the law and vague-pay rules, in the engine,
``POST /v1/checks`` without a posting and ``hireboard jd check``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hireboard.checker import text
from hireboard.checker.engine import CheckInput, run
from hireboard.checker.limits import MAX_TEXT_CHARS, metering
from hireboard.checker.rules import packaged_rules
from hireboard.cli.main import app as cli

RULES = packaged_rules()


@pytest.mark.parametrize(
    ("written", "low", "high", "currency", "period"),
    [
        ("CAD 90,000 - 160,000 per year", 90_000, 160_000, "CAD", "year"),
        ("€55k to €70k", 55_000, 70_000, "EUR", None),
        ("$45-$60/hour", 45, 60, "$", "hour"),
        ("55.000-70.000 EUR brutto jährlich", 55_000, 70_000, "EUR", "year"),
        ("od 12 000 do 15 000 zł brutto miesięcznie", 12_000, 15_000, "PLN", "month"),
        ("entre 48 000 et 58 000 € brut annuel", 48_000, 58_000, "EUR", "year"),
        ("entre 38.000 y 46.000 € brutos al año", 38_000, 46_000, "EUR", "year"),
        ("4.200 bis 5.000 € brutto monatlich", 4_200, 5_000, "EUR", "month"),
        ("90-110k USD per year", 90_000, 110_000, "USD", "year"),
        ("Annual salary: $95,000 - $110,000", 95_000, 110_000, "$", "year"),
        ("£18.50 - £21.75 an hour", 18.5, 21.75, "GBP", "hour"),
        ("Salary up to $90,000.", None, 90_000, "$", None),
        ("Base pay $120k+ depending on level", 120_000, None, "$", None),
        ("Gehalt: ab 60.000 € p.a.", 60_000, None, "EUR", "year"),
        ("Wynagrodzenie: do 18 000 zł brutto", None, 18_000, "PLN", None),
    ],
)
def test_a_pay_figure_is_read_with_both_ends_currency_and_period(
    written: str, low: float | None, high: float | None, currency: str, period: str | None
) -> None:
    [figure] = text.pay_figures(written)
    assert (figure.low, figure.high, figure.currency, figure.period) == (
        low,
        high,
        currency,
        period,
    )
    assert written[figure.span.start : figure.span.end].strip()


@pytest.mark.parametrize(
    "written",
    [
        "A $500 budget for books and 3 - 5 years of Python.",
        "Offices in 2024 - 2026 and 0 - 3 years of experience.",
        "We have raised £40,000 a year for charity.",
    ],
)
def test_amounts_that_are_no_pay_range_are_left_out(written: str) -> None:
    assert text.pay_figures(written) == []


def test_a_bullet_after_a_figure_is_not_its_second_end() -> None:
    [figure] = text.pay_figures("- Base salary up to $140,000\n- 401(k) with a 4% match")
    assert (figure.low, figure.high) == (None, 140_000)


def _ids(body: str, jurisdictions: list[str], headcount: int | None = 100) -> set[str]:
    result = run(
        RULES,
        CheckInput(
            text=body,
            jurisdictions=jurisdictions,
            employer_headcount=headcount,
            as_of=date(2026, 11, 23),
        ),
    )
    return {finding.rule_id for finding in result.findings}


@pytest.mark.parametrize(
    ("pay", "too_wide"),
    [
        ("CAD 90,000 - 160,000 per year", True),
        ("CAD 110,000 - 135,000 per year", False),
        ("$26 - $52 per hour", True),  # 26 x 2,080 = 54,080 a year apart
        ("$26 - $48 per hour", False),
        ("CAD 190,000 - 260,000 per year", False),  # expected pay above 200,000: exempt
        ("EUR 90,000 - 160,000 per year", False),  # not the rule's currency
    ],
)
def test_ontarios_spread_is_checked_on_the_text_alone(pay: str, too_wide: bool) -> None:
    body = f"Backend Engineer, Toronto.\n\nSalary: {pay}. Benefits: health and dental."
    assert ("pay.ca-on.range-spread" in _ids(body, ["CA-ON"])) is too_wide


def test_an_open_end_is_the_same_finding_for_the_law_and_the_vague_pay_rule() -> None:
    found = _ids("Account Executive, Denver.\n\n- Base salary up to $140,000\n- 401(k)", ["US-CO"])
    assert {"pay.us-co.closed-range", "vague.open-ended-range"} <= found
    closed = _ids("Account Executive, Denver.\n\n- Base salary $120,000 - $140,000", ["US-CO"])
    assert not {"pay.us-co.closed-range", "vague.open-ended-range"} & closed


def test_pay_written_with_the_currency_after_it_counts_as_pay() -> None:
    found = _ids("Entwickler in Wien. Gehalt: 4.200 bis 5.000 € brutto monatlich.", ["AT"])
    assert not {"pay.at.range", "pay.at.pay-period"} & found
    assert "pay.at.pay-period" in _ids("Entwickler in Wien. Gehalt: 4.200 bis 5.000 €.", ["AT"])


@pytest.mark.parametrize(
    ("requirements", "flagged"),
    [
        ("- 8+ years of experience with Kubernetes.", True),
        ("* 5 years of experience with Kubernetes.", True),
        ("\u2013 6 years of experience with Kubernetes.", True),
        ("- 0 - 3 years of experience with Kubernetes.", False),
        ("- 1-3 years of experience with Kubernetes.", False),
        ("- 1 \u2013 3 years of experience with Kubernetes.", False),
        ("- 1 to 3 years of experience with Kubernetes.", False),
    ],
)
def test_a_bullets_dash_is_not_the_end_of_a_range(requirements: str, flagged: bool) -> None:
    body = f"Junior Platform Engineer\n\n## Requirements\n{requirements}\n"
    assert ("realism.junior-with-senior-years" in _ids(body, [])) is flagged


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("Site Reliability Engineer - Toronto, ON", True),
        ("# Site Reliability Engineer \u2013 Toronto, Ontario", True),
        ("Data Engineer | Berlin, Germany", True),
        ("Technical Support Specialist (Ottawa, ON)", True),
        ("Backend Engineer (Remote, EU)", True),
        ("Analityk danych \u2013 Krak\u00f3w, PL", True),
        ("Backend Engineer (Python, Django)", False),
        ("Backend Engineer (Python, ML)", False),
        ("Backend Engineer - Payments, Ledger", False),
        ("Backend Engineer", False),
    ],
)
def test_a_place_in_the_title_line_is_a_location(title: str, named: bool) -> None:
    body = f"{title}\n\nWe build payment software for clinics and need help with the API."
    assert ("completeness.location" not in _ids(body, [])) is named


def test_a_place_after_the_first_line_is_not_read_as_the_title() -> None:
    body = "Backend Engineer\n\nOur customers: Acme - Toronto, ON and others."
    assert "completeness.location" in _ids(body, [])


@pytest.mark.parametrize(
    "unit", ["$1-$2 ", "up to $1 ", "$1+ ", "CAD 1 - 2 per year ", "1 000 do 2 000 zł "]
)
def test_reading_pay_figures_is_linear_on_hostile_text(unit: str) -> None:
    def steps(size: int) -> int:
        with metering() as meter:
            text.Text((unit * (size // len(unit) + 1))[:size]).open_ended()
        return meter.steps

    full, half = steps(MAX_TEXT_CHARS), steps(MAX_TEXT_CHARS // 2)
    assert full <= 6_000 * MAX_TEXT_CHARS
    assert full <= 2.2 * half + 10_000


ONTARIO = (
    "Site Reliability Engineer - Toronto, ON\n\n"
    "## About the role\nYou will run the Kubernetes clusters of a payments company.\n\n"
    "## Pay\nCAD 90,000 - 160,000 per year, full-time, with health and dental benefits.\n"
)


@pytest.mark.anyio
async def test_the_api_checks_the_spread_of_pay_written_in_text_alone(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/checks",
        json={
            "text": ONTARIO,
            "jurisdictions": ["CA-ON"],
            "employer_headcount": 30,
            "as_of": "2026-11-23",
        },
    )
    assert response.status_code == 200, response.text
    found = {f["rule_id"]: f for f in response.json()["findings"]}
    spread = found["pay.ca-on.range-spread"]
    assert spread["severity"] == "error"
    assert ONTARIO[spread["start"] : spread["end"]] == "CAD 90,000 - 160,000"
    assert "pay.ca-on.range" not in found and "completeness.location" not in found


def test_jd_check_finds_the_spread_of_pay_written_in_a_file(tmp_path: Path) -> None:
    description = tmp_path / "jd.md"
    description.write_text(ONTARIO, encoding="utf-8")
    runner = CliRunner(env={"HIREBOARD_DATA_DIR": str(tmp_path)})
    arguments = ["-j", "CA-ON", "--headcount", "30", "--as-of", "2026-11-23"]
    outcome = runner.invoke(cli, ["jd", "check", str(description), *arguments])
    assert outcome.exit_code == 1, outcome.output
    assert "pay.ca-on.range-spread" in outcome.output
