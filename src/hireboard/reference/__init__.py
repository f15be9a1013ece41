"""Reference data shipped with the package: ISO 4217 currencies, ISO 3166-1 countries and
the skills taxonomy (``*.yaml`` beside this file, sources named inside each)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

_REGION = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")


def _load(name: str) -> Any:
    text = resources.files("hireboard.reference").joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


@cache
def currencies() -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in _load("currencies.yaml")["currencies"]}


@cache
def countries() -> dict[str, str]:
    return {row["code"]: row["name"] for row in _load("countries.yaml")["countries"]}


def is_currency(code: str) -> bool:
    return code in currencies()


def is_country(code: str) -> bool:
    return code in countries()


def is_jurisdiction(code: str) -> bool:
    """``EU``, a known country, or a region code of a known country."""
    if code == "EU" or is_country(code):
        return True
    region = _REGION.match(code)
    return region is not None and is_country(region.group(1))


@cache
def _skills() -> tuple[dict[str, str], dict[str, str]]:
    canonical: dict[str, str] = {}
    categories: dict[str, str] = {}
    for row in _load("skills.yaml")["skills"]:
        name = row["name"]
        categories[name] = row.get("category", "")
        for spelling in (name, *row.get("aliases", [])):
            canonical[_key(spelling)] = name
    return canonical, categories


def _key(skill: str) -> str:
    return re.sub(r"\s+", " ", skill.strip().lower())


def normalise_skill(skill: str) -> str:
    """The taxonomy's name for ``skill`` ("postgres" -> "PostgreSQL"); unknown skills are
    kept as written (trimmed), so nothing a client sent is lost."""
    return _skills()[0].get(_key(skill), re.sub(r"\s+", " ", skill.strip()))


def normalise_skills(skills: list[str]) -> list[str]:
    """Normalised, in the order given, without duplicates."""
    seen: dict[str, None] = {}
    for skill in skills:
        seen.setdefault(normalise_skill(skill), None)
    return list(seen)


def known_skill(skill: str) -> bool:
    return _key(skill) in _skills()[0]


@cache
def fx_rates() -> dict[str, Any]:
    """The dated conversion table: ``{date, source, base, rates: {code: units per base}}``."""
    table: dict[str, Any] = _load("fx_rates.yaml")
    return table


@cache
def _skill_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every skill spelling as one pattern: short ones (2 characters or fewer, "Go", "R")
    must match their case exactly, the rest in any case."""
    spellings = sorted(_skills()[0], key=len, reverse=True)
    canonical = _skills()[0]
    names = {spelling: canonical[spelling] for spelling in spellings}
    short = [re.escape(n) for n in {v for k, v in names.items() if len(k) <= 2 and k == v.lower()}]
    long = [re.escape(k) for k in spellings if len(k) > 2]
    boundary = r"(?<![\w+#.-]){}(?![\w+#-])"
    return (
        re.compile(boundary.format("(?:" + "|".join(long) + ")"), re.IGNORECASE),
        re.compile(boundary.format("(?:" + "|".join(short or ["(?!)"]) + ")")),
    )


def skill_pattern_sources() -> tuple[str, str]:
    """The sources of the two patterns ``skills_in_text`` uses (any case, exact case), for
    callers that compile them their own way (the JD checker bounds and meters its scans)."""
    loose, exact = _skill_patterns()
    return loose.pattern, exact.pattern


def skills_in_text(body: str) -> list[str]:
    """Taxonomy skills a text mentions, by first mention, as proposals to confirm."""
    found: dict[str, None] = {}
    loose, exact = _skill_patterns()
    matches = sorted([*loose.finditer(body), *exact.finditer(body)], key=lambda m: m.start())
    for match in matches:
        found.setdefault(normalise_skill(match.group(0)), None)
    return list(found)


def skill_category(skill: str) -> str | None:
    """The taxonomy category of a (normalised) skill, or None when unknown."""
    return _skills()[1].get(normalise_skill(skill)) or None


class SchemaEnum:
    """Annotated marker stating a reference list in the JSON Schema (the validators check
    membership; the document says which values those are)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        schema = handler(core_schema)
        codes = sorted(currencies() if self.kind == "currency" else countries())
        if self.kind == "jurisdiction":
            schema["pattern"] = rf"^(EU|({'|'.join(codes)})(-[A-Z0-9]{{1,3}})?)$"
        else:
            schema["enum"] = codes
        return schema


ISO_CURRENCY = SchemaEnum("currency")
ISO_COUNTRY = SchemaEnum("country")
JURISDICTION = SchemaEnum("jurisdiction")
