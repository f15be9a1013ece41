"""Which jurisdictions a posting reaches, and which of them a rule's jurisdiction covers.

Codes: ``EU``; ISO 3166-1 countries (``DE``); ISO 3166-2 regions (``US-CO``); cities as
region plus UN/LOCODE place code (``US-NY-NYC``). A city is in its region and country; a
region in its country; an EU member state in ``EU``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

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
