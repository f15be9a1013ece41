"""Which jurisdictions a posting reaches, and which of them a rule's jurisdiction covers.

Codes: ``EU``; ISO 3166-1 countries (``DE``); ISO 3166-2 regions (``US-CO``); cities as
region plus UN/LOCODE place code (``US-NY-NYC``). A city is in its region and country; a
region in its country; an EU member state in ``EU``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from hireboard.reference import countries

CODE = re.compile(r"^(EU|[A-Z]{2}(-[A-Z0-9]{1,3}(-[A-Z0-9]{3})?)?)$")

EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

# Cities with rules of their own: (region, lower-case names) -> city code.
CITIES: dict[tuple[str, str], str] = {
    ("US-NY", "new york"): "US-NY-NYC",
    ("US-NY", "new york city"): "US-NY-NYC",
    ("US-NY", "nyc"): "US-NY-NYC",
    ("US-NY", "brooklyn"): "US-NY-NYC",
    ("US-NY", "manhattan"): "US-NY-NYC",
    ("US-NY", "queens"): "US-NY-NYC",
    ("US-NY", "the bronx"): "US-NY-NYC",
    ("US-NY", "staten island"): "US-NY-NYC",
    ("US-OH", "cleveland"): "US-OH-CLE",
}


def ancestors(code: str) -> set[str]:
    """The code itself and everything that contains it."""
    parts = code.split("-")
    found = {"-".join(parts[: i + 1]) for i in range(len(parts))}
    if parts[0] in EU_MEMBERS:
        found.add("EU")
    return found


def reach(codes: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for code in codes:
        out |= ancestors(code)
    return out


def from_posting(posting: Mapping[str, Any]) -> list[str]:
    """The jurisdictions a posting's locations and remote scope reach (most specific)."""
    found: list[str] = []
    for location in posting.get("locations") or []:
        city_code = location.get("city_code")
        region = location.get("region")
        country = location.get("country")
        city = str(location.get("city") or "").strip().lower()
        if city_code and region:
            found.append(f"{region}-{city_code}")
        elif region and (region, city) in CITIES:
            found.append(CITIES[(region, city)])
        elif region:
            found.append(region)
        elif country:
            found.append(country)
    found.extend(
        scope
        for scope in posting.get("remote_from") or []
        if isinstance(scope, str) and CODE.match(scope)
    )
    return sorted(set(found))


@cache
def _subdivisions() -> dict[str, frozenset[str]]:
    """ISO 3166-2 codes by country (``subdivisions.txt``)."""
    text = resources.files("hireboard.checker").joinpath("subdivisions.txt").read_text("utf-8")
    rows = (line.split() for line in text.splitlines() if line and not line.startswith("#"))
    return {row[0]: frozenset(f"{row[0]}-{code}" for code in row[1:]) for row in rows}


def cities() -> frozenset[str]:
    """The cities the checker has rules for; a city elsewhere adds nothing to its region."""
    return frozenset(CITIES.values())


def is_known(code: str) -> bool:
    """EU, an ISO 3166-1 country, an ISO 3166-2 region, or a city with rules of its own."""
    country = code[:2]
    if code == "EU" or code in cities():
        return True
    if len(code) == 2:
        return code in countries()
    return code in _subdivisions().get(country, frozenset())


# Characters typed for one another in codes: US-C0 is US-CO.
_LOOKALIKE = str.maketrans("0158", "OISB")


def _mismatches(code: str, candidate: str) -> int:
    """Positions that differ, look-alike characters counted equal (length must match)."""
    if len(code) != len(candidate):
        return len(code) + len(candidate)
    typed, known = code.translate(_LOOKALIKE), candidate.translate(_LOOKALIKE)
    return sum(a != b for a, b in zip(typed, known, strict=True))


def close_matches(code: str) -> list[str]:
    """Known codes one or two characters away: the same country's first, else countries."""
    country = code[:2]
    same_country = [c for c in cities() if c.startswith(country + "-")]
    candidates = sorted(_subdivisions().get(country, frozenset())) + same_country
    if len(code) == 2 or not candidates:
        candidates, code = ["EU", *sorted(countries())], country
    ranked = sorted((_mismatches(code, c), c) for c in candidates)
    return [c for distance, c in ranked if distance <= max(1, len(code) // 3)][:4]


@cache
def region_codes() -> frozenset[str]:
    """The part after the country of every ISO 3166-2 code ("ON", "CO", "BY"), the way a
    title line names a region: "Site Reliability Engineer - Toronto, ON"."""
    return frozenset(code.split("-", 1)[1] for codes in _subdivisions().values() for code in codes)
