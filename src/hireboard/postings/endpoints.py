"""/v1/postings and /v1/organizations/{id}/postings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.auth import (
    ActingRead,
    ActingWrite,
    CurrentActor,
    MemberDetail,
    OptionalActor,
)
from hireboard.checker.rules import RuleSet
from hireboard.config import Settings
from hireboard.db import timed_read
from hireboard.errors import ValidationFailed
from hireboard.kit.caching import Rendered, cached_response, etag_of, respond
from hireboard.kit.hosts import public_request_url
from hireboard.kit.idempotency import idempotent
from hireboard.kit.pagination import InvalidCursor, Page, PageRequest, Paging, encode_cursor
from hireboard.kit.problem import problem_responses
from hireboard.kit.remembered import R, remember
from hireboard.kit.routing import JSONRoute
from hireboard.kit.text import CountryCode, Day, PlaceCode, SkillText, Text, Timestamp
from hireboard.postings import facets as facet_counts
from hireboard.postings import search as finder
from hireboard.postings import service, spelling, syndication
from hireboard.postings.errors import PostingNotFound
from hireboard.postings.schemas import (
    HistoryEntry,
    Posting,
    PostingCreate,
    PostingUpdate,
    Report,
    ReportCreate,
    Status,
)
from hireboard.vocabulary import Level, RoleFamily

router = APIRouter(route_class=JSONRoute, tags=["postings"])

_READ_ERRORS = problem_responses(400, 401, 403, 404, 422, 503)
_WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
_SEARCH_CACHE = "public, max-age=60"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _rules(request: Request) -> RuleSet:
    rules: RuleSet = request.app.state.checker_rules
    return rules


class Facet(BaseModel):
    value: str
    count: int
    estimated: bool = False


class SearchPage(BaseModel):
    items: list[Posting]
    next_cursor: str | None
    facets: dict[str, list[Facet]]
    fuzzy: bool = Field(
        description="True when nothing matched `q` and the items and facets are those of "
        "`did_you_mean`."
    )
    did_you_mean: str | None = Field(
        default=None,
        description="`q` with its unknown words respelled from the words of published "
        "postings, when that was searched instead; null otherwise.",
        examples=["senior kubernetes platform"],
    )


@dataclass
class _Searched:
    items: list[Posting]
    next_cursor: str | None
    facets: dict[str, Any]
    did_you_mean: str | None


def _query(
    q: Annotated[str | None, Text(200), Query(description="websearch syntax")] = None,
    level: Annotated[list[Level] | None, Query()] = None,
    role_family: Annotated[list[RoleFamily] | None, Query()] = None,
    skill: Annotated[list[SkillText] | None, Query(max_length=20)] = None,
    workplace_type: Annotated[list[Literal["onsite", "hybrid", "remote"]] | None, Query()] = None,
    country: Annotated[list[CountryCode] | None, Query(max_length=50)] = None,
    remote_from: Annotated[list[PlaceCode] | None, Query(max_length=50)] = None,
    pay_min: Annotated[
        float | None,
        Query(
            ge=0,
            allow_inf_nan=False,
            description="Annualised, in `currency`, which is then required.",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        Query(pattern=r"^[A-Z]{3}$", description="Postings with pay in this currency."),
    ] = None,
    posted_since: Day | None = None,
    organization: Annotated[list[uuid.UUID] | None, Query()] = None,
    updated_since: Annotated[
        Timestamp | None, Query(description="Changed since: closed and expired ones included.")
    ] = None,
    sort: Literal["relevance", "-published_at", "-pay"] = "-published_at",
) -> finder.Query:
    if pay_min is not None and currency is None:
        raise ValidationFailed(
            "pay_min needs a currency.",
            errors=[
                {"loc": ["query", "currency"], "msg": "required with pay_min", "code": "missing"}
            ],
        )
    return finder.Query(
        q=q.strip() if q and q.strip() else None,
        level=list(level or []),
        role_family=list(role_family or []),
        skill=list(skill or []),
        workplace_type=list(workplace_type or []),
        country=[c.upper() for c in country or []],
        remote_from=[c.upper() for c in remote_from or []],
        pay_min=pay_min,
        currency=currency,
        posted_since=posted_since,
        organization=list(organization or []),
        updated_since=updated_since,
        sort=sort,
    )


SearchQuery = Annotated[finder.Query, Depends(_query)]


async def _find(
    session: AsyncSession, query: finder.Query, after: list[str] | None, limit: int
) -> tuple[finder.Query, finder.Found, str | None]:
    """The page, and the query it is of: ``query``, or when nothing matches it, ``query``
    with its unknown words respelled (also returned: ``did_you_mean``). The later pages of
    a respelled query (cursors marked "f") are respelled again, the same way."""
    did_you_mean = None
    if after is not None and after[0] == "f" and query.q:
        did_you_mean = await spelling.respell(session, query.q)
    searched = replace(query, q=did_you_mean) if did_you_mean else query
    found = await finder.search(session, searched, after[1:] if after else None, limit)
    if not found.rows and query.q and after is None:
        did_you_mean = await spelling.respell(session, query.q)
        if did_you_mean:
            searched = replace(query, q=did_you_mean)
            found = await finder.search(session, searched, None, limit)
    return searched, found, did_you_mean


async def _search(
    request: Request,
    session: AsyncSession,
    query: finder.Query,
    paging: PageRequest,
    facets: bool,
) -> _Searched:
    after = paging.after(3)
    if after is not None and after[0] not in {"x", "f"}:
        raise InvalidCursor()
    searched, found, did_you_mean = await _find(session, query, after, paging.limit)
    rows = found.rows[: paging.limit]
    next_cursor = None
    if len(found.rows) > paging.limit:
        marker = "f" if did_you_mean else "x"
        next_cursor = encode_cursor([marker, *found.keys[paging.limit - 1]])
    settings = _settings(request)
    counts: dict[str, Any] = {}
    if facets:
        counts = await facet_counts.facets(
            session,
            searched,
            exact_limit=settings.search_facet_exact_limit,
            cache_seconds=settings.search_facet_cache_seconds,
            cache=request.app.state.cache,
            matches=found.matches,
        )
    items = [service.to_posting(row, settings) for row in rows]
    return _Searched(items, next_cursor, counts, did_you_mean)


def _next_url(request: Request, cursor: str | None) -> str | None:
    return str(public_request_url(request).include_query_params(cursor=cursor)) if cursor else None


@dataclass(frozen=True, slots=True)
class _Page(Rendered):
    """A search page's bytes with the ``Link`` header to the next one."""

    link: str | None = None


def _first_page_key(request: Request, query: finder.Query, paging: PageRequest) -> str | None:
    """The cache key of a first page of published postings, from the normalised query
    parameters; None for a later page or incremental sync. No input depends on the caller:
    these routes take no credentials and read as nobody."""
    if paging.cursor is not None or finder.source(query) is not finder.PUBLISHED:
        return None
    return f"{request.url.path}?{urlencode(sorted(request.query_params.multi_items()))}"


async def _first_page(
    request: Request, query: finder.Query, paging: PageRequest, render: Callable[[], Awaitable[R]]
) -> R:
    """``render``'s answer, kept ``public_cache_seconds`` when it is a first page."""
    key = _first_page_key(request, query, paging)
    if key is None:
        return await render()
    ttl = _settings(request).public_cache_seconds
    return await remember(request, key, render, ttl=ttl, tags=("postings",))


async def _searched(
    request: Request, query: finder.Query, paging: PageRequest, *, facets: bool
) -> _Searched:
    async with timed_read(request, "search") as session:
        return await _search(request, session, query, paging, facets)


async def _search_page(request: Request, query: finder.Query, paging: PageRequest) -> _Page:
    searched = await _searched(request, query, paging, facets=True)
    cursor = searched.next_cursor
    page = SearchPage(
        items=searched.items,
        next_cursor=cursor,
        facets={name: [Facet(**f) for f in values] for name, values in searched.facets.items()},
        fuzzy=searched.did_you_mean is not None,
        did_you_mean=searched.did_you_mean,
    )
    link = f'<{_next_url(request, cursor)}>; rel="next"' if cursor else None
    body = page.model_dump_json().encode()
    return _Page(body, "application/json", etag_of(body), link)


@router.get(
    "/v1/postings",
    summary="Search published postings",
    response_model=SearchPage,
    responses=problem_responses(400, 422, 503),
)
async def search_postings(request: Request, query: SearchQuery, paging: Paging) -> Response:
    """Full text (`q`, websearch syntax; when nothing matches, its unknown words are
    respelled from the words of published postings and that is searched, with `fuzzy: true`
    and `did_you_mean`), filters (repeat a parameter for several values), facets, and a
    stable cursor. `updated_since` lists changed postings, closed and expired included."""
    page = await _first_page(request, query, paging, lambda: _search_page(request, query, paging))
    response = respond(request, page, cache_control=_SEARCH_CACHE)
    if page.link:
        response.headers["Link"] = page.link
    return response


async def _json_feed(request: Request, query: finder.Query, paging: PageRequest) -> Rendered:
    searched = await _searched(request, query, paging, facets=False)
    feed = syndication.json_feed(
        searched.items,
        base_url=_settings(request).base_url,
        feed_url=str(public_request_url(request)),
        next_url=_next_url(request, searched.next_cursor),
    )
    return Rendered.of(json.dumps(feed, ensure_ascii=False).encode(), "application/feed+json")


@router.get(
    "/v1/postings/feed.json",
    summary="Published postings as JSON Feed 1.1 (same filters as search)",
    responses={200: {"content": {"application/feed+json": {}}}, **problem_responses(400, 422, 503)},
)
async def feed_json(request: Request, query: SearchQuery, paging: Paging) -> Response:
    """Each item links to the posting's `url`; `next_url` pages on."""
    feed = await _first_page(request, query, paging, lambda: _json_feed(request, query, paging))
    return respond(request, feed, cache_control=_SEARCH_CACHE)


async def _rss_feed(request: Request, query: finder.Query, paging: PageRequest) -> Rendered:
    items = (await _searched(request, query, paging, facets=False)).items
    feed_url = str(public_request_url(request))
    body = syndication.rss(items, base_url=_settings(request).base_url, feed_url=feed_url)
    return Rendered.of(body.encode(), "application/rss+xml; charset=utf-8")


@router.get(
    "/v1/postings/feed.rss",
    summary="Published postings as RSS 2.0 (same filters as search)",
    responses={200: {"content": {"application/rss+xml": {}}}, **problem_responses(400, 422, 503)},
)
async def feed_rss(request: Request, query: SearchQuery, paging: Paging) -> Response:
    """Each item links to the posting's `url`."""
    feed = await _first_page(request, query, paging, lambda: _rss_feed(request, query, paging))
    return respond(request, feed, cache_control=_SEARCH_CACHE)


@router.post(
    "/v1/organizations/{organization_id}/postings",
    status_code=201,
    summary="Create a draft posting (optionally from a template)",
    responses=_WRITE_ERRORS,
    openapi_extra=idempotent(),
)
async def create_posting(
    organization_id: uuid.UUID,
    body: PostingCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Posting:
    """Owners, admins and recruiters (API keys with `postings:write`). Publishing is a
    separate step that runs the checker."""
    posting = await service.create(session, actor, _settings(request), organization_id, body)
    response.headers["Location"] = posting.url
    return posting


@router.get(
    "/v1/organizations/{organization_id}/postings",
    summary="The organization's postings, drafts included",
    responses=_READ_ERRORS,
)
async def list_organization_postings(
    organization_id: uuid.UUID,
    actor: CurrentActor,
    session: ActingRead,
    request: Request,
    paging: Paging,
    status: Annotated[list[Status] | None, Query()] = None,
) -> Page[Posting]:
    """Newest first; `?status=draft&status=published` filters."""
    rows = await service.list_for_organization(
        session,
        actor,
        _settings(request),
        organization_id,
        list(status) if status else None,
        paging.after(2),
        paging.limit,
    )
    return paging.page(rows, lambda p: (p.created_at.isoformat(), p.id))


def _reader(request: Request) -> service.PublicReader:
    reader: service.PublicReader = request.app.state.public_postings
    return reader


async def _public(request: Request, posting_id: uuid.UUID, kind: str) -> Response:
    """An anonymous caller's answer: cached, stored, or rendered once (postings.service)."""
    rendered = await service.public_rendering(_reader(request), posting_id, kind)
    if rendered is None:
        raise PostingNotFound()
    return respond(request, rendered, cache_control=service.PUBLIC_CACHE_CONTROL)


@router.get("/v1/postings/{posting_id:uuid}", summary="One posting", responses=_READ_ERRORS)
async def get_posting(
    posting_id: uuid.UUID, actor: OptionalActor, session: MemberDetail, request: Request
) -> Response:
    """Published, closed and expired postings are public; drafts and removed ones are
    visible to their organization only (404 to everyone else)."""
    if session is None:
        return await _public(request, posting_id, "document")
    posting = await service.get(session, actor, _settings(request), posting_id)
    public = posting.status in service.PUBLIC
    return cached_response(
        request,
        posting.model_dump_json().encode(),
        "application/json",
        cache_control=service.PUBLIC_CACHE_CONTROL if public else "private, no-cache",
    )


@router.get(
    "/v1/postings/{posting_id}/jsonld",
    summary="The posting as schema.org JobPosting (JSON-LD)",
    responses={200: {"content": {"application/ld+json": {}}}, **_READ_ERRORS},
)
async def get_jsonld(
    posting_id: uuid.UUID, actor: OptionalActor, session: MemberDetail, request: Request
) -> Response:
    """For search engines: Google's required JobPosting properties."""
    if session is None:
        return await _public(request, posting_id, "jsonld")
    posting = await service.get(session, actor, _settings(request), posting_id)
    document = json.dumps(syndication.job_posting(posting), ensure_ascii=False).encode()
    return respond(
        request,
        Rendered.of(document, "application/ld+json"),
        cache_control=service.PUBLIC_CACHE_CONTROL,
    )


# `:uuid` (on GET too): PATCH on the feed paths (feed.json, feed.rss) is then 405, not an
# edit of a posting with a malformed id, and a malformed id is 404 for every method.
@router.patch("/v1/postings/{posting_id:uuid}", summary="Edit a posting", responses=_WRITE_ERRORS)
async def update_posting(
    posting_id: uuid.UUID,
    body: PostingUpdate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
) -> Posting:
    """Also while published (then it must stay compliant: 409 `posting_not_compliant`)."""
    return await service.update(
        session, actor, _settings(request), _rules(request), posting_id, body
    )


def _transition(action: str, summary: str, doc: str) -> None:
    async def endpoint(
        posting_id: uuid.UUID, actor: CurrentActor, session: ActingWrite, request: Request
    ) -> Posting:
        return await service.transition(
            session, actor, _settings(request), _rules(request), posting_id, action
        )

    endpoint.__doc__ = doc
    endpoint.__name__ = f"{action}_posting"
    router.post(f"/v1/postings/{{posting_id}}/{action}", summary=summary, responses=_WRITE_ERRORS)(
        endpoint
    )


_transition(
    "publish",
    "Publish a draft (the checker must find no errors)",
    "409 `posting_not_compliant` lists the error-level findings for the places it reaches.",
)
_transition("close", "Close a published posting", "It stays public and read-only.")
_transition(
    "reopen",
    "Publish a closed or expired posting again",
    "Its `closes_at` must be in the future; the checker runs again.",
)


@router.get(
    "/v1/postings/{posting_id}/history",
    summary="Every change to a posting: who, when, what",
    responses=_READ_ERRORS,
)
async def posting_history(
    posting_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> Page[HistoryEntry]:
    """Visible to the organization and platform admins, oldest first, in one page."""
    entries = await service.history(session, actor, posting_id)
    return Page[HistoryEntry](items=entries, next_cursor=None)


@router.post(
    "/v1/postings/{posting_id}/reports",
    status_code=201,
    summary="Report a posting to the moderators",
    responses=_WRITE_ERRORS,
)
async def report_posting(
    posting_id: uuid.UUID,
    body: ReportCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Report:
    """Any signed-in user, for a public posting."""
    report = await service.report(session, actor, posting_id, body)
    path = f"/v1/postings/{posting_id}/reports/{report.id}"
    response.headers["Location"] = _settings(request).base_url + path
    return report


@router.get(
    "/v1/postings/{posting_id}/reports/{report_id}",
    summary="One report (its reporter and the moderators)",
    responses=_READ_ERRORS,
)
async def get_report(
    posting_id: uuid.UUID, report_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> Report:
    """404 `report_not_found` to anyone but its reporter and platform admins."""
    return await service.get_report(session, actor, posting_id, report_id)


@router.post(
    "/v1/postings/{posting_id}/takedown",
    summary="Remove a posting (platform admins)",
    responses=_WRITE_ERRORS,
)
async def takedown_posting(
    posting_id: uuid.UUID, actor: CurrentActor, session: ActingWrite, request: Request
) -> Posting:
    """Status `removed`: gone from search and feeds, 404 to the public, kept in history;
    the organization's owners and admins are emailed."""
    return await service.takedown(session, actor, _settings(request), posting_id)
