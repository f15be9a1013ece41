"""Plain-text headings and sections, the wish-list rules and keyword stuffing by rate
(issue 22, items 3, 4 and 5)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hireboard.checker import structure
from hireboard.checker.engine import CheckInput, Finding, run
from hireboard.checker.rules import packaged_rules

RULES = packaged_rules()


def findings(text: str, **posting: Any) -> dict[str, list[Finding]]:
    result = run(
        RULES, CheckInput(text=text, posting=posting, jurisdictions=[], as_of=date(2026, 11, 23))
    )
    found: dict[str, list[Finding]] = {}
    for finding in result.findings:
        found.setdefault(finding.rule_id, []).append(finding)
    return found


def titles(text: str) -> list[str]:
    return [title for title, _ in structure.plain_headings(text)]


def test_a_short_line_before_a_list_or_a_paragraph_is_a_heading() -> None:
    text = (
        "Data Engineer\n\nAbout us\nWe run the pipelines of a bank.\n\n"
        "What you'll do\n- Build pipelines\n\nWhat you bring\n\n- SQL\n- Python\n"
    )
    assert titles(text) == ["about us", "what you'll do", "what you bring"]
    for title, span in structure.plain_headings(text):
        assert text[span.start : span.end].lower() == title


def test_a_bold_line_is_a_heading() -> None:
    text = "Title\n\n**What you bring:**\n- SQL\n\n__About us__\nWe run a bank.\n"
    assert titles(text) == ["what you bring", "about us"]


@pytest.mark.parametrize(
    "text",
    [
        "Title\n\nWe are hiring.\nYou will build things.\n",  # a line inside a paragraph
        "Title\n\nWe build pipelines for banks.\nMore text.\n",  # ends like a sentence
        "Title\n\nLocation: Toronto\nSalary: CAD 90,000\n",  # key-value lines
        "Title\n\n- Build APIs\n- Fix bugs\n",  # list items
        "Title\n\nwhat you bring\n- SQL\n",  # not capitalised
        "Title\n\nApply now\n\nWe read every application.\n",  # a paragraph after a blank
        "Title\n\nThis sentence is far too long to be a heading of any section at all\n- x\n",
    ],
)
def test_sentences_lists_and_key_value_lines_are_not_headings(text: str) -> None:
    assert titles(text) == []


def test_the_first_line_is_the_title_not_a_section() -> None:
    assert titles("Skills Platform Engineer\nWe build the skills graph.\n") == []


def test_plain_headings_in_other_languages_satisfy_the_section_rules() -> None:
    text = (
        "Entwickler (m/w/d)\n\nÜber uns\nWir planen Lieferungen für Apotheken in Hamburg.\n\n"
        "Ihre Aufgaben\n- Sie entwickeln Funktionen.\n\nIhr Profil\n- Java\n"
    )
    found = findings(text)
    for rule in ("completeness.summary", "completeness.responsibilities"):
        assert rule not in found, rule
    assert "completeness.requirements" not in found


def test_a_markdown_title_on_the_first_line_leaves_the_opening_paragraph_a_summary() -> None:
    opening = " ".join(["We build the billing service that charges our customers."] * 4)
    text = f"# Senior Engineer\n\n{opening}\n\n## Duties\n- Build APIs\n"
    assert "completeness.summary" not in findings(text)
    assert "completeness.summary" in findings("# Senior Engineer\n\n## Duties\n- Build APIs\n")


REQUIREMENTS = [f"- Requirement number {n} about something specific" for n in range(1, 21)]


def posting_with(must: int, nice: int = 0, inline_optional: int = 0) -> str:
    lines = ["Engineer", "", "We build billing software for dentists.", "", "## Requirements"]
    lines += REQUIREMENTS[:must]
    lines += [f"- Experience with tool {n} is a plus" for n in range(inline_optional)]
    if nice:
        lines += ["", "## Nice to have", *REQUIREMENTS[:nice]]
    return "\n".join(lines) + "\n"


def test_fifteen_must_haves_are_a_wish_list_with_the_count_and_threshold_in_the_message() -> None:
    assert "realism.too-many-requirements" not in findings(posting_with(14))
    [finding] = findings(posting_with(17))["realism.too-many-requirements"]
    assert "It lists 17 must-have requirements; the threshold is 15." in finding.message
    assert finding.severity == "warning"
    text = posting_with(17)
    assert text[finding.start : finding.end].startswith("- Requirement number 1 ")
    assert text[finding.start : finding.end].endswith("number 17 about something specific")


def test_nice_to_have_items_are_not_must_haves() -> None:
    assert "realism.too-many-requirements" not in findings(posting_with(10, nice=12))
    assert "realism.too-many-requirements" not in findings(posting_with(10, inline_optional=8))


def test_required_skills_of_a_structured_posting_count_too() -> None:
    skills = [f"Skill {n}" for n in range(16)]
    [finding] = findings("Engineer\n\nWe build things.\n", required_skills=skills)[
        "realism.too-many-requirements"
    ]
    assert "It lists 16 must-have requirements" in finding.message


UNICORN = (
    "Engineer\n\nWe build everything.\n\n## Must have\n"
    "- Java and Go\n- React and Angular\n- PostgreSQL and MongoDB\n- Kubernetes and Terraform\n"
    "- AWS and Azure\n- Apache Spark and Kafka\n- TensorFlow and PyTorch\n"
)


def test_a_stack_across_many_families_is_one_no_person_has() -> None:
    [finding] = findings(UNICORN + "- Swift\n")["realism.stack-no-one-has"]
    assert "the threshold is 12 technologies from 7 families" in finding.message
    assert "ml: TensorFlow, PyTorch" in finding.message


def test_a_broad_but_coherent_stack_is_not_flagged() -> None:
    web = (
        "Engineer\n\nWe build a shop.\n\n## Requirements\n- Python, Django and Flask\n"
        "- React, TypeScript and JavaScript\n- PostgreSQL and Redis\n- Docker\n- AWS\n"
    )
    assert "realism.stack-no-one-has" not in findings(web)
    nice = UNICORN.replace("## Must have", "## Nice to have")
    assert "realism.stack-no-one-has" not in findings(nice)


def words(n: int) -> str:
    return " ".join(f"filler{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(n))


def test_stuffing_is_a_rate_that_scales_with_length_above_a_small_floor() -> None:
    short = words(24) + " " + " ".join(["forklift"] * 6)  # a fifth of 30 words
    [finding] = findings(short)["stuffing.repeated-term"]
    assert '"forklift" appears 6 times in 30 words (20%)' in finding.message
    assert "stuffing.repeated-term" not in findings(words(26) + " forklift" * 4)  # under 5
    # 10 in 400 words (2.5%) is under the rate, though over the floor; 20 (5%) is over it.
    assert "stuffing.repeated-term" not in findings(words(390) + " forklift" * 10)
    [long] = findings(words(380) + " forklift" * 20)["stuffing.repeated-term"]
    assert '"forklift" appears 20 times in 400 words' in long.message


def test_a_word_of_the_job_title_counts_as_stuffing_at_twice_the_share() -> None:
    # "data" 5% of a data engineer's posting: the job's subject, not stuffing; 9% is.
    text = "Data Engineer\n\n" + words(180) + " data" * 10
    assert "stuffing.repeated-term" not in findings(text)
    assert "stuffing.repeated-term" in findings(text, title="Backend Engineer")
    [stuffed] = findings("Data Engineer\n\n" + words(180) + " data" * 18)["stuffing.repeated-term"]
    assert '"data" appears 19 times in 200 words' in stuffed.message  # the title's too


def test_the_first_section_is_found_once_per_rule_not_once_per_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Linear work on a text of many headings (per word, it took 12 s at 200,000 chars)."""
    from hireboard.checker import engine

    calls: list[int] = []
    original = engine._first_section

    def counted(context: Any) -> int:
        calls.append(1)
        return original(context)

    monkeypatch.setattr(engine, "_first_section", counted)
    findings("Title\n\n" + "## Duties\n- Build APIs\n\n" * 200)
    assert 1 <= len(calls) <= 3
