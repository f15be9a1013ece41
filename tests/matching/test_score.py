"""The score's explanation, without a database: every skill is accounted for."""

from __future__ import annotations

from typing import Any

from hireboard.matching.score import COMPONENTS, score

WEIGHTS = dict.fromkeys(COMPONENTS, 1.0)


def posting(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "required_skills": ["Python", "Go", "Kubernetes"],
        "nice_to_have_skills": ["PostgreSQL", "Figma"],
        "level": "senior",
        "pay_currency": None,
        "pay_max_annual": None,
        "workplace_type": "remote",
        "countries": [],
    }
    return {**body, **overrides}


PROFILE = {"skills": [{"name": "python"}, {"name": "postgres"}], "desired_levels": ["senior"]}


def test_missing_skills_cover_required_and_nice_to_have_alike() -> None:
    match = score(posting(), PROFILE, 0.0, WEIGHTS)
    assert match.matched_skills == ["Python", "PostgreSQL"]
    assert match.missing_skills == ["Go", "Kubernetes", "Figma"]
    assert match.missing_required == ["Go", "Kubernetes"]
    assert match.related_skills == ["Go"]  # a language, like Python: half credit
    assert match.components["must_have"] == round((1 + 0.5 + 0) / 3, 4)
    assert match.components["nice_to_have"] == 0.5


def test_every_skill_of_the_posting_is_matched_or_missing() -> None:
    wanted = posting()
    match = score(wanted, PROFILE, 0.0, WEIGHTS)
    listed = sorted(match.matched_skills + match.missing_skills)
    assert listed == sorted(wanted["required_skills"] + wanted["nice_to_have_skills"])
    assert set(match.related_skills) <= set(match.missing_skills)


def test_a_posting_without_nice_to_have_skills_misses_nothing_there() -> None:
    match = score(posting(nice_to_have_skills=[]), PROFILE, 0.0, WEIGHTS)
    assert match.components["nice_to_have"] == 1.0
    assert match.missing_skills == match.missing_required == ["Go", "Kubernetes"]
