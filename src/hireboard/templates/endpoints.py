"""/v1/templates: the catalog, organizations' own templates, versions and rendering."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from hireboard.access.actor import Actor
from hireboard.access.auth import ActingWrite, CurrentActor, OptionalActingRead, OptionalActor
from hireboard.access.context import act_as
from hireboard.db import timed_read
from hireboard.kit.caching import Rendered, cached_response, respond
from hireboard.kit.hosts import public_url
from hireboard.kit.idempotency import idempotent
from hireboard.kit.pagination import Page, Paging
from hireboard.kit.problem import problem_responses
from hireboard.kit.remembered import remember
from hireboard.kit.routing import JSONRoute
from hireboard.kit.text import Text
from hireboard.templates import service
from hireboard.templates.content import PLACEHOLDER
from hireboard.templates.render import MEDIA_TYPES, Format
from hireboard.templates.schemas import (
    RenderRequest,
    Template,
    TemplateCreate,
    TemplateFields,
    TemplateSummary,
    TemplateVersion,
    TemplateVersionSummary,
)
from hireboard.vocabulary import Level, RoleFamily

router = APIRouter(route_class=JSONRoute, tags=["templates"])

TemplateRef = Annotated[
    str,
    Text(64, min_length=1),
    Path(
        description="A template id, or a built-in's role-family id (`backend-engineer`).",
    ),
]
_READ_ERRORS = problem_responses(401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
_PUBLIC = "public, max-age=300"
_PRIVATE = "private, no-cache"
# A built-in's rendering is dropped when it changes (``template:<id>``); the TTL only
# frees memory of renderings nobody asks for.
_RENDER_KEPT_S = 300.0
_RENDERED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rendered template in the requested format.",
        "content": {media: {} for media in MEDIA_TYPES.values()},
    }
}


@router.get("/v1/templates", summary="Built-in templates and your organizations' own")
async def list_templates(
    actor: OptionalActor,
    session: OptionalActingRead,
    paging: Paging,
    organization_id: uuid.UUID | None = None,
    role_family: RoleFamily | None = None,
) -> Page[TemplateSummary]:
    """Built-ins first, by title. Anonymous callers see the built-ins."""
    rows = await service.list_templates(
        session, actor, organization_id, role_family, paging.after(3), paging.limit
    )
    return paging.page(rows, lambda t: (str(t.organization_id is not None).lower(), t.title, t.id))


@router.get(
    "/v1/templates/{template_id}",
    summary="One template",
    response_model=Template,
    responses=_READ_ERRORS,
)
async def get_template(
    template_id: TemplateRef, actor: OptionalActor, session: OptionalActingRead, request: Request
) -> Response:
    """Sends an ETag; built-ins are cacheable by anyone, organization templates privately."""
    template = await service.get_template(session, actor, template_id)
    public = template.organization_id is None
    return cached_response(
        request,
        template.model_dump_json().encode(),
        "application/json",
        cache_control=_PUBLIC if public else _PRIVATE,
    )


@router.post(
    "/v1/organizations/{organization_id}/templates",
    status_code=201,
    summary="Create an organization template, from scratch or as a copy",
    responses=_WRITE_ERRORS,
    openapi_extra=idempotent(),
)
async def create_template(
    organization_id: uuid.UUID,
    body: TemplateCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Template:
    """Owners, admins and recruiters; visible to the organization only."""
    template = await service.create_template(session, actor, organization_id, body)
    response.headers["Location"] = public_url(request, f"/v1/templates/{template.id}")
    return template


@router.patch(
    "/v1/templates/{template_id}",
    summary="Edit an organization template (a new version)",
    responses=_WRITE_ERRORS,
)
async def update_template(
    template_id: TemplateRef, body: TemplateFields, actor: CurrentActor, session: ActingWrite
) -> Template:
    """Built-ins are read-only (403): copy one first."""
    return await service.update_template(session, actor, template_id, body)


@router.get(
    "/v1/templates/{template_id}/versions",
    summary="Every version of a template, newest first",
    responses=_READ_ERRORS,
)
async def list_versions(
    template_id: TemplateRef, actor: OptionalActor, session: OptionalActingRead
) -> Page[TemplateVersionSummary]:
    """All versions (one per edit) in one page."""
    versions = await service.list_versions(session, actor, template_id)
    return Page[TemplateVersionSummary](items=versions, next_cursor=None)


@router.get(
    "/v1/templates/{template_id}/versions/{version}",
    summary="One earlier (or the current) version",
    responses=_READ_ERRORS,
)
async def get_version(
    template_id: TemplateRef,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    actor: OptionalActor,
    session: OptionalActingRead,
) -> TemplateVersion:
    """Versions never change once written."""
    return await service.get_version(session, actor, template_id, version)


async def _render(
    request: Request, actor: Actor, template_id: str, body: RenderRequest
) -> tuple[Rendered, bool]:
    """Authorised and rendered on a session of its own (``service.find`` checks the
    caller); also whether the template is public."""
    async with timed_read(request, None) as session:
        await act_as(session, actor)
        text, public = await service.render_template(
            session, actor, template_id, body.level, body.format, dict(body.values)
        )
    return Rendered.of(text.encode(), MEDIA_TYPES[body.format]), public


async def _rendered(
    request: Request, actor: Actor, template_id: str, body: RenderRequest
) -> Response:
    """Built-ins (by role-family id) are public, the same for every caller: kept rendered
    until ``template:<id>`` is announced. Organization templates are authorised and
    rendered per request, never cached."""
    if not service.is_builtin_ref(template_id):
        found, public = await _render(request, actor, template_id, body)
        return respond(request, found, cache_control=_PUBLIC if public else _PRIVATE)

    async def public_render() -> Rendered:
        return (await _render(request, actor, template_id, body))[0]

    values = json.dumps(sorted(body.values.items()), ensure_ascii=False)
    key = f"template:render:{template_id}:{body.level}:{body.format}:{values}"
    tags = [service.template_tag(template_id)]
    found = await remember(request, key, public_render, ttl=_RENDER_KEPT_S, tags=tags)
    return respond(request, found, cache_control=_PUBLIC)


@router.get(
    "/v1/templates/{template_id}/render",
    summary="Render for one level, as Markdown, HTML, text or JSON",
    responses={**_RENDERED, **problem_responses(401, 404, 422)},
)
async def render_get(
    template_id: TemplateRef,
    request: Request,
    actor: OptionalActor,
    level: Level | None = None,
    format: Format = "markdown",
) -> Response:
    """Placeholder values come as query parameters: `?company_name=Acme&location=Berlin`.
    Markdown is copy-ready for an ATS; HTML is sanitised. A level without a variant is 422."""
    values = {
        name: value[:500]
        for name, value in request.query_params.items()
        if name not in {"level", "format"} and PLACEHOLDER.fullmatch("{" + name + "}")
    }
    body = RenderRequest(level=level, format=format, values=values)
    return await _rendered(request, actor, template_id, body)


@router.post(
    "/v1/templates/{template_id}/render",
    summary="Render with placeholder values in a JSON body",
    responses={**_RENDERED, **problem_responses(401, 404, 422)},
)
async def render_post(
    template_id: TemplateRef,
    body: RenderRequest,
    request: Request,
    actor: OptionalActor,
) -> Response:
    """The same as the GET form; nothing is stored."""
    return await _rendered(request, actor, template_id, body)
