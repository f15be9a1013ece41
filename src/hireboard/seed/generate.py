"""Plausible postings, deterministic for a seed: roles, levels, places, currencies, pay.
Ids are the exception: fresh on every run, so that loading a seed twice adds data.

Pay is drawn from a log-normal distribution around a median per role family, scaled by
level and by place (a rough cost-of-labour factor), in the place's currency and in a
period that fits the employment type. The figures are invented for demonstration; they
are shaped like a salary survey, not taken from one.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hireboard.postings import pay
from hireboard.templates.catalog import builtin_templates

# Median annual base pay in USD at mid level, per role family (invented, survey-shaped).
ROLE_MEDIAN_USD = {
    "backend-engineer": 150_000,
    "frontend-engineer": 135_000,
    "full-stack-engineer": 140_000,
    "mobile-engineer": 145_000,
    "data-engineer": 150_000,
    "data-scientist": 145_000,
    "ml-engineer": 170_000,
    "site-reliability-engineer": 160_000,
    "devops-engineer": 145_000,
    "security-engineer": 155_000,
    "qa-engineer": 110_000,
    "engineering-manager": 195_000,
    "product-manager": 160_000,
    "product-designer": 130_000,
}
LEVEL_FACTOR = {
    "intern": 0.35,
    "junior": 0.65,
    "mid": 1.0,
    "senior": 1.3,
    "staff": 1.65,
    "principal": 2.0,
}
LEVEL_WEIGHTS = {"intern": 2, "junior": 14, "mid": 32, "senior": 34, "staff": 12, "principal": 6}


@dataclass(frozen=True)
class Place:
    city: str
    region: str | None
    country: str
    currency: str
    factor: float  # pay relative to the US, in USD terms
    per_usd: float  # units of the currency per US dollar (rounded, for drawing pay)
    weight: int


PLACES = [
    Place("San Francisco", "US-CA", "US", "USD", 1.15, 1, 9),
    Place("New York", "US-NY", "US", "USD", 1.1, 1, 9),
    Place("Seattle", "US-WA", "US", "USD", 1.08, 1, 6),
    Place("Denver", "US-CO", "US", "USD", 0.95, 1, 5),
    Place("Austin", "US-TX", "US", "USD", 0.92, 1, 5),
    Place("Chicago", "US-IL", "US", "USD", 0.93, 1, 4),
    Place("Boston", "US-MA", "US", "USD", 1.0, 1, 4),
    Place("Toronto", "CA-ON", "CA", "CAD", 0.7, 1.38, 5),
    Place("Vancouver", "CA-BC", "CA", "CAD", 0.7, 1.38, 3),
    Place("London", "GB-LND", "GB", "GBP", 0.62, 0.78, 6),
    Place("Berlin", "DE-BE", "DE", "EUR", 0.55, 0.9, 6),
    Place("Munich", "DE-BY", "DE", "EUR", 0.6, 0.9, 3),
    Place("Amsterdam", "NL-NH", "NL", "EUR", 0.58, 0.9, 4),
    Place("Paris", "FR-IDF", "FR", "EUR", 0.5, 0.9, 4),
    Place("Warsaw", "PL-14", "PL", "PLN", 0.33, 3.9, 4),
    Place("Lisbon", "PT-11", "PT", "EUR", 0.35, 0.9, 3),
    Place("Zurich", "CH-ZH", "CH", "CHF", 0.85, 0.85, 2),
    Place("Bengaluru", "IN-KA", "IN", "INR", 0.15, 88, 5),
    Place("Sydney", "AU-NSW", "AU", "AUD", 0.7, 1.52, 3),
]
WORKPLACE_WEIGHTS = {"onsite": 25, "hybrid": 45, "remote": 30}
EMPLOYMENT_WEIGHTS = {
    "full_time": 82,
    "contract": 10,
    "part_time": 4,
    "temporary": 2,
    "internship": 2,
}
COMPANY_WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Aperture",
    "Black",
    "Mesa",
    "Oceanic",
    "Massive",
    "Dynamic",
    "Pied",
    "Piper",
    "Dunder",
    "Prestige",
    "Weyland",
]
COMPANY_SUFFIXES = ("Labs", "Analytics", "Systems", "Health", "Pay", "Cloud", "Robotics", "Data")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def organizations(count: int, rng: random.Random) -> list[dict[str, Any]]:
    names: set[str] = set()
    out: list[dict[str, Any]] = []
    while len(out) < count:
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
        if name in names:
            name = f"{name} {len(out)}"
        names.add(name)
        # Fresh ids (and so slugs) on every run: loading the same seed twice adds data.
        identifier = uuid.uuid4()
        out.append(
            {
                "id": identifier,
                "name": name,
                "slug": "-".join(name.lower().split()) + f"-{identifier.hex[:12]}",
                "headcount": int(rng.lognormvariate(math.log(200), 1.2)) + 5,
            }
        )
    return out


def _pay(
    rng: random.Random, role: str, level: str, place: Place, employment: str
) -> dict[str, Any]:
    usd = ROLE_MEDIAN_USD[role] * LEVEL_FACTOR[level] * place.factor
    annual = rng.lognormvariate(math.log(usd * place.per_usd), 0.18)
    spread = rng.uniform(0.1, 0.3)
    period = "hour" if employment in {"contract", "temporary", "part_time"} else "year"
    factor = pay.DEFAULT_FACTORS[period]
    low = annual * (1 - spread / 2) / factor
    high = annual * (1 + spread / 2) / factor
    step = 1 if period == "hour" else 1000
    low, high = round(low / step) * step, round(high / step) * step
    return {
        "min": low,
        "max": max(high, low + step),
        "currency": place.currency,
        "period": period,
        "basis": "hourly" if period == "hour" else "salary",
        "scope": None,
        "components": ["base"],
        "annual_min": round(low * factor, 2),
        "annual_max": round(max(high, low + step) * factor, 2),
    }


def postings(
    count: int, organization_ids: list[uuid.UUID], rng: random.Random, *, short: bool
) -> Iterator[dict[str, Any]]:
    """``count`` posting rows (column values as stored), most published, some closed."""
    catalog = builtin_templates()
    roles = list(ROLE_MEDIAN_USD)
    now = datetime.now(UTC)
    place_weights = [p.weight for p in PLACES]
    for _ in range(count):
        role = rng.choice(roles)
        template = catalog[role]
        level = _weighted(rng, LEVEL_WEIGHTS)
        variant = template.variant(level)  # type: ignore[arg-type]
        place = rng.choices(PLACES, weights=place_weights)[0]
        workplace = _weighted(rng, WORKPLACE_WEIGHTS)
        employment = "internship" if level == "intern" else _weighted(rng, EMPLOYMENT_WEIGHTS)
        published = now - timedelta(days=rng.uniform(0, 120))
        status = rng.choices(["published", "closed"], weights=[88, 12])[0]
        skills = list(template.must_have_skills)
        rng.shuffle(skills)
        required = skills[: rng.randint(3, min(6, len(skills)))]
        extra = rng.sample(
            list(template.nice_to_have_skills), k=min(2, len(template.nice_to_have_skills))
        )
        title = variant.title if variant else f"{level.title()} {template.title}"
        body = (
            template.summary
            if short
            else "\n\n".join([template.summary, *("- " + r for r in template.responsibilities)])
        )
        pay_range = _pay(rng, role, level, place, employment)
        remote_from = [place.country] if workplace == "remote" else []
        yield {
            "id": uuid.uuid4(),
            "organization_id": rng.choice(organization_ids),
            "status": status,
            "title": title,
            "role_family": role,
            "level": level,
            "employment_type": employment,
            "workplace_type": workplace,
            "remote_from": remote_from,
            "locations": []
            if workplace == "remote"
            else [{"city": place.city, "region": place.region, "country": place.country}],
            "countries": [place.country],
            "description": body.replace("{company_name}", "We")
            .replace("{location}", place.city)
            .replace("{team_name}", "platform"),
            "required_skills": required,
            "nice_to_have_skills": extra,
            "years_experience": variant.years_experience.min if variant else None,
            "benefits": ["Health insurance", "Paid time off", "Pension or 401(k) plan"],
            "closes_at": (
                published + timedelta(days=20)
                if status == "closed"
                else now + timedelta(days=rng.uniform(7, 60))
            ),
            "pay_ranges": [pay_range],
            "pay_currency": pay_range["currency"],
            "pay_min_annual": pay_range["annual_min"],
            "pay_max_annual": pay_range["annual_max"],
            "published_at": published,
            "closed_at": published + timedelta(days=20) if status == "closed" else None,
            "created_at": published - timedelta(hours=rng.uniform(1, 72)),
            "updated_at": published,
        }
