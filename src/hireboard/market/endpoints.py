"""/v1/market: statistics about published postings (public)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from hireboard.config import Settings
from hireboard.db import timed_read
from hireboard.errors import ValidationFailed
from hireboard.kit.caching import Rendered, respond
from hireboard.kit.problem import problem_responses
from hireboard.kit.remembered import remember
from hireboard.kit.routing import JSONRoute
from hireboard.kit.text import CountryCode, SkillText
from hireboard.market import service
from hireboard.reference import fx_rates, normalise_skills
from hireboard.templates.catalog import builtin_templates
from hireboard.vocabulary import ROLE_FAMILIES, Level, RoleFamily

router = APIRouter(route_class=JSONRoute, tags=["market"])
_CACHE = "public, max-age=5"
# Only the TTL bounds staleness (documented: a change shows within 5 s). Dropping every
# figure on each posting write ("postings") would recompute them at the write rate.
_TAGS = ("market",)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _filters(
    role_family: Annotated[list[RoleFamily] | None, Query()] = None,
    level: Annotated[list[Level] | None, Query()] = None,
    country: Annotated[list[CountryCode] | None, Query(max_length=50)] = None,
    workplace_type: Annotated[list[Literal["onsite", "hybrid", "remote"]] | None, Query()] = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    skill: Annotated[list[SkillText] | None, Query(max_length=20)] = None,
    organization: uuid.UUID | None = None,
    posted_within: Annotated[int | None, Query(ge=1, le=3650, description="days")] = None,
    convert_to: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Z]{3}$",
            description="Also pool pay in this currency (dated rates).",
            json_schema_extra={"enum": sorted(fx_rates()["rates"])},
        ),
    ] = None,
) -> service.Filters:
    if convert_to is not None and convert_to not in fx_rates()["rates"]:
        raise ValidationFailed(
            "The rate table has no rate for this currency.",
            errors=[
                {
                    "loc": ["query", "convert_to"],
                    "msg": "one of " + ", ".join(sorted(fx_rates()["rates"])),
                    "code": "unknown_currency",
                }
            ],
        )
    return service.Filters(
        role_family=tuple(sorted(set(role_family or []))),
        level=tuple(sorted(set(level or []))),
        country=tuple(sorted({c.upper() for c in country or []})),
        workplace_type=tuple(sorted(set(workplace_type or []))),
        skill=tuple(sorted(set(normalise_skills(skill or [])))),
        organization=organization,
        posted_within=posted_within,
        currency=currency,
        convert_to=convert_to,
    )


StatsFilters = Annotated[service.Filters, Depends(_filters)]


class Stats(BaseModel):
    open_positions: dict[str, int]
    pay: list[dict[str, Any]]
    levels: list[dict[str, Any]]
    remote_share: dict[str, Any]
    top_skills: list[dict[str, Any]]
    top_organizations: list[dict[str, Any]]
    weekly: list[dict[str, Any]]
    min_sample: int
    converted: dict[str, Any] | None = None


async def _stats(request: Request, filters: service.Filters) -> dict[str, Any]:
    settings = _settings(request)
    async with timed_read(request, "stats") as session:
        return await service.stats(session, filters, min_sample=settings.stats_min_sample)


async def _remembered(
    request: Request,
    key: str,
    render: Callable[[], Awaitable[BaseModel]],
    *,
    exclude_none: bool = False,
) -> Response:
    """The answer rendered once per ``stats_cache_seconds`` in this process, with its ETag;
    a hit (or a 304) opens no database session."""

    async def rendered() -> Rendered:
        body = (await render()).model_dump_json(exclude_none=exclude_none).encode()
        return Rendered.of(body, "application/json")

    ttl = _settings(request).stats_cache_seconds
    found = await remember(request, key, rendered, ttl=ttl, tags=_TAGS)
    return respond(request, found, cache_control=_CACHE)


@router.get(
    "/v1/market/stats",
    summary="Open positions, pay percentiles per currency, level mix, remote share, skills",
    response_model=Stats,
    responses=problem_responses(422, 503),
)
async def market_stats(request: Request, filters: StatsFilters) -> Response:
    """Exact over published postings (a change shows within 5 seconds). Pay is the
    annualised midpoint of each posting's range, one entry per currency; figures from fewer
    than `HIREBOARD_STATS_MIN_SAMPLE` postings are withheld."""

    async def render() -> Stats:
        return Stats(**await _stats(request, filters))

    return await _remembered(request, f"market:stats:{filters!r}", render, exclude_none=True)


class Role(BaseModel):
    role_family: str
    title: str | None
    open_positions: int


class Roles(BaseModel):
    items: list[Role]
    next_cursor: str | None = None


async def _roles(request: Request) -> Roles:
    async with timed_read(request, "stats") as session:
        counts = {row.role_family: int(row.n) for row in await service.roles(session)}
    catalog = builtin_templates()
    families = sorted(ROLE_FAMILIES, key=lambda f: (-counts.get(f, 0), f))
    return Roles(
        items=[
            Role(
                role_family=family,
                title=catalog[family].title if family in catalog else None,
                open_positions=counts.get(family, 0),
            )
            for family in families
        ]
    )


@router.get(
    "/v1/market/roles",
    summary="Role families with their open positions",
    response_model=Roles,
    responses=problem_responses(503),
)
async def market_roles(request: Request) -> Response:
    """Every role family, busiest first; those with no open position at the end."""
    return await _remembered(request, "market:roles", lambda: _roles(request))


class RoleDetail(BaseModel):
    role_family: str
    stats: Stats
    template: dict[str, Any] | None


async def _role(request: Request, role_family: str) -> RoleDetail:
    stats = await _stats(request, service.Filters(role_family=(role_family,)))
    template = builtin_templates().get(role_family)
    return RoleDetail(
        role_family=role_family,
        stats=Stats(**stats),
        template=template.model_dump(mode="json") if template else None,
    )


@router.get(
    "/v1/market/roles/{role_family}",
    summary="One role family: its statistics with its job-description template",
    response_model=RoleDetail,
    responses=problem_responses(422, 503),
)
async def market_role(role_family: RoleFamily, request: Request) -> Response:
    """Like a job site's role page: open positions, pay, levels, and the built-in template."""
    return await _remembered(
        request, f"market:role:{role_family}", lambda: _role(request, role_family)
    )
