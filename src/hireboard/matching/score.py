"""The match score: a weighted mean of explainable components, each between 0 and 1.

- ``must_have``: share of the posting's required skills the candidate has; a skill of the
  same taxonomy category counts half (a related skill).
- ``nice_to_have``: the same for nice-to-have skills (1 when the posting lists none).
- ``level``: 1 for a desired level, 0.5 for a neighbouring one (or no preference), else 0.
- ``pay``: 1 when the posting's annualised maximum reaches the candidate's annualised
  expectation in the same currency, falling linearly to 0 at half of it; 0.5 when either
  side gives no pay or the currencies differ (unknown, not bad).
- ``location``: 1 when the candidate can work where the posting is (a remote posting's
  countries, or an onsite/hybrid posting's country among the candidate's), else 0; 0.5
  when the candidate gave no location.
- ``text``: full-text similarity of the candidate's headline and skills to the posting
  (PostgreSQL ``ts_rank_cd``, capped at 1).

Weights are settings (``HIREBOARD_MATCH_WEIGHT_*``). Only the profile's job-related fields
are read; nothing about age, gender or self-identification is used or inferred.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hireboard.postings.pay import annual
from hireboard.reference import normalise_skill, skill_category
from hireboard.vocabulary import LEVELS

COMPONENTS = ("must_have", "nice_to_have", "level", "pay", "location", "text")


@dataclass(frozen=True)
class Match:
    """The score and everything needed to recompute its skill components by hand:
    ``matched_skills`` and ``missing_skills`` cover required and nice-to-have skills alike
    (posting order, required first), ``missing_required`` is the required part of
    ``missing_skills``, and ``related_skills`` the missing skills that earned half credit
    because the candidate has a skill of the same taxonomy category."""

    score: float
    matched_skills: list[str]
    missing_skills: list[str]
    missing_required: list[str]
    related_skills: list[str]
    components: dict[str, float]


@dataclass(frozen=True)
class _Coverage:
    share: float
    matched: list[str]
    missing: list[str]
    related: list[str]  # missing, but a skill of the same category earns half credit


def _coverage(wanted: Sequence[str], have: set[str], have_categories: set[str]) -> _Coverage:
    if not wanted:
        return _Coverage(1.0, [], [], [])
    credit = 0.0
    matched: list[str] = []
    missing: list[str] = []
    related: list[str] = []
    for skill in wanted:
        if skill.lower() in have:
            credit += 1
            matched.append(skill)
        else:
            category = skill_category(skill)
            if category and category in have_categories:
                credit += 0.5
                related.append(skill)
            missing.append(skill)
    return _Coverage(credit / len(wanted), matched, missing, related)


def _level(level: str, desired: Sequence[str]) -> float:
    if not desired:
        return 0.5
    if level in desired:
        return 1.0
    index = [str(known) for known in LEVELS].index(level)
    near = {LEVELS[i] for i in (index - 1, index + 1) if 0 <= i < len(LEVELS)}
    return 0.5 if near & set(desired) else 0.0


def _pay(posting: Mapping[str, Any], expectation: Mapping[str, Any] | None) -> float:
    if not expectation or not posting.get("pay_currency") or posting.get("pay_max_annual") is None:
        return 0.5
    if expectation["currency"] != posting["pay_currency"]:
        return 0.5
    wanted = annual(float(expectation["amount"]), expectation["period"], {}) or 0.0
    offered = float(posting["pay_max_annual"])
    if offered >= wanted:
        return 1.0
    return max(0.0, (offered - wanted / 2) / (wanted / 2))


def _location(posting: Mapping[str, Any], countries: set[str]) -> float:
    if not countries:
        return 0.5
    if posting["workplace_type"] == "remote":
        scope = set(posting.get("countries") or [])
        return 1.0 if not scope or scope & countries else 0.0
    return 1.0 if set(posting.get("countries") or []) & countries else 0.0


def score(
    posting: Mapping[str, Any],
    profile: Mapping[str, Any],
    text_rank: float,
    weights: Mapping[str, float],
) -> Match:
    skills = {normalise_skill(s["name"]).lower() for s in profile.get("skills") or []}
    categories = {c for s in skills if (c := skill_category(s))}
    must = _coverage(list(posting["required_skills"]), skills, categories)
    nice = _coverage(list(posting["nice_to_have_skills"]), skills, categories)
    countries = {loc["country"] for loc in profile.get("locations") or [] if loc.get("country")}
    components = {
        "must_have": round(must.share, 4),
        "nice_to_have": round(nice.share, 4),
        "level": _level(posting["level"], profile.get("desired_levels") or []),
        "pay": round(_pay(posting, profile.get("pay_expectation")), 4),
        "location": _location(posting, countries),
        "text": round(min(1.0, text_rank), 4),
    }
    total = sum(weights[name] for name in COMPONENTS) or 1.0
    value = sum(weights[name] * components[name] for name in COMPONENTS) / total
    return Match(
        score=round(value, 4),
        matched_skills=must.matched + nice.matched,
        missing_skills=must.missing + nice.missing,
        missing_required=must.missing,
        related_skills=must.related + nice.related,
        components=components,
    )
