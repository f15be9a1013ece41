"""/v1/postings/{id}/applications, /v1/applications/{id}, /v1/me/applications, stages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.actor import Actor
from hireboard.access.auth import ActingRead, ActingWrite, CurrentActor
from hireboard.applications import eeo, service
from hireboard.applications.schemas import (
    ApplicationCreate,
    ApplicationForCandidate,
    ApplicationForOrganization,
    BulkTransition,
    Event,
    Note,
    NoteCreate,
    Stage,
    StageCreate,
    StageKey,
    StageUpdate,
    Transition,
)
from hireboard.config import Settings
from hireboard.kit.idempotency import idempotent
from hireboard.kit.pagination import Page, PageRequest, Paging
from hireboard.kit.problem import problem_responses
from hireboard.kit.routing import JSONRoute
from hireboard.kit.text import Timestamp
from hireboard.postings import repository as postings
from hireboard.postings.errors import PostingNotFound

router = APIRouter(route_class=JSONRoute, tags=["applications"])


def _url(request: Request, path: str) -> str:
    """An absolute link: from the configured public URL, never the request's Host."""
    settings: Settings = request.app.state.settings
    return settings.base_url + path


StageKeyPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
_ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post(
    "/v1/postings/{posting_id}/applications",
    status_code=201,
    summary="Apply to a posting",
    responses=_ERRORS,
    openapi_extra=idempotent(),
)
async def apply(
    posting_id: uuid.UUID,
    body: ApplicationCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> ApplicationForCandidate:
    """Once per posting (409 `already_applied`); with an `Idempotency-Key` a retried
    submission never makes a second one. A closed or expired posting is 409
    `posting_not_open`, one that takes applications elsewhere 409 `apply_elsewhere`."""
    settings: Settings = request.app.state.settings
    application = await service.apply(session, actor, settings, posting_id, body)
    response.headers["Location"] = f"{settings.base_url}/v1/applications/{application.id}"
    return application


@router.get("/v1/me/applications", summary="The caller's applications", responses=_ERRORS)
async def my_applications(
    actor: CurrentActor, session: ActingRead
) -> Page[ApplicationForCandidate]:
    """Newest first, with the stage's category only."""
    return Page[ApplicationForCandidate](items=await service.mine(session, actor), next_cursor=None)


@router.get("/v1/applications/{application_id}", summary="One application", responses=_ERRORS)
async def get_application(
    application_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> ApplicationForCandidate | ApplicationForOrganization:
    """The candidate sees the stage's category; the organization the stage key and name."""
    return await service.get(session, actor, application_id)


@router.post(
    "/v1/applications/{application_id}/withdraw",
    summary="Withdraw an application (the candidate)",
    responses=_ERRORS,
)
async def withdraw(
    application_id: uuid.UUID, actor: CurrentActor, session: ActingWrite
) -> ApplicationForCandidate:
    """409 when it is already hired, rejected or withdrawn."""
    return await service.withdraw(session, actor, application_id)


@router.post(
    "/v1/applications/{application_id}/transitions",
    summary="Move an application to a stage of the pipeline",
    responses=_ERRORS,
)
async def transition(
    application_id: uuid.UUID, body: Transition, actor: CurrentActor, session: ActingWrite
) -> ApplicationForOrganization:
    """An unknown stage key is 422; leaving hired, rejected or withdrawn is 409."""
    return await service.transition(session, actor, application_id, body.stage, body.reason)


@router.get(
    "/v1/applications/{application_id}/history",
    summary="Every stage move of an application",
    responses=_ERRORS,
)
async def history(
    application_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> Page[Event]:
    """Oldest first: `{from_stage, to_stage, actor_id, reason, at}`."""
    return Page[Event](
        items=await service.history(session, actor, application_id), next_cursor=None
    )


@router.get(
    "/v1/organizations/{organization_id}/pipeline-stages",
    summary="The organization's pipeline stages",
    responses=_ERRORS,
)
async def pipeline_stages(
    organization_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> Page[Stage]:
    """By default one stage per category, with the category as key."""
    return Page[Stage](
        items=await service.stages(session, actor, organization_id), next_cursor=None
    )


@router.post(
    "/v1/organizations/{organization_id}/pipeline-stages",
    status_code=201,
    summary="Add a pipeline stage (owners and admins)",
    responses=_ERRORS,
)
async def add_stage(
    organization_id: uuid.UUID,
    body: StageCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Stage:
    """A new key in one of the seven categories; 409 when the key exists."""
    stage = await service.add_stage(session, actor, organization_id, body)
    path = f"/v1/organizations/{organization_id}/pipeline-stages/{stage.key}"
    response.headers["Location"] = _url(request, path)
    return stage


@router.get(
    "/v1/organizations/{organization_id}/pipeline-stages/{key}",
    summary="One pipeline stage",
    responses=_ERRORS,
)
async def get_stage(
    organization_id: uuid.UUID, key: StageKeyPath, actor: CurrentActor, session: ActingRead
) -> Stage:
    """404 `stage_not_found` when the pipeline has no such key."""
    return await service.stage(session, actor, organization_id, key)


@router.patch(
    "/v1/organizations/{organization_id}/pipeline-stages/{key}",
    summary="Rename a pipeline stage (owners and admins)",
    responses=_ERRORS,
)
async def rename_stage(
    organization_id: uuid.UUID,
    key: StageKeyPath,
    body: StageUpdate,
    actor: CurrentActor,
    session: ActingWrite,
) -> Stage:
    """The key never changes; history keeps referring to it."""
    return await service.rename_stage(session, actor, organization_id, key, body.name)


@router.post(
    "/v1/applications/{application_id}/notes",
    status_code=201,
    summary="Add a note, optionally with a rating (members)",
    responses=_ERRORS,
)
async def add_note(
    application_id: uuid.UUID,
    body: NoteCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Note:
    """Never shown to the candidate, nor to a member on their own application (403
    `conflict_of_interest`)."""
    note = await service.add_note(session, actor, application_id, body)
    response.headers["Location"] = _url(
        request, f"/v1/applications/{application_id}/notes/{note.id}"
    )
    return note


@router.get(
    "/v1/applications/{application_id}/notes/{note_id}",
    summary="One of the organization's notes on an application",
    responses=_ERRORS,
)
async def get_note(
    application_id: uuid.UUID, note_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> Note:
    """404 `note_not_found` when the application has no such note."""
    return await service.note(session, actor, application_id, note_id)


@router.get(
    "/v1/applications/{application_id}/notes",
    summary="The organization's notes on an application",
    responses=_ERRORS,
)
async def list_notes(
    application_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> Page[Note]:
    """Oldest first, in one page."""
    return Page[Note](items=await service.notes(session, actor, application_id), next_cursor=None)


@dataclass(frozen=True)
class Filters:
    stage: list[str]
    min_rating: int | None
    min_match_score: float | None
    since: datetime | None


def _filters(
    stage: Annotated[list[StageKey] | None, Query(max_length=20, description="Stage keys.")] = None,
    min_rating: Annotated[int | None, Query(ge=1, le=5, description="Average rating.")] = None,
    min_match_score: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            allow_inf_nan=False,
            description="Match score at or above (unscored ones are left out).",
        ),
    ] = None,
    since: Annotated[Timestamp | None, Query(description="Applied at or after.")] = None,
) -> Filters:
    return Filters(list(stage or []), min_rating, min_match_score, since)


ApplicationFilters = Annotated[Filters, Depends(_filters)]


async def _listed(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    posting_id: uuid.UUID | None,
    filters: Filters,
    paging: PageRequest,
) -> Page[ApplicationForOrganization]:
    rows = await service.list_for_organization(
        session,
        actor,
        organization_id,
        posting_id=posting_id,
        stages=filters.stage,
        min_rating=filters.min_rating,
        min_match_score=filters.min_match_score,
        since=filters.since,
        after=paging.after(2),
        limit=paging.limit,
    )
    return paging.page(rows, lambda a: (a.created_at.isoformat(), a.id))


@router.get(
    "/v1/organizations/{organization_id}/applications",
    summary="The organization's applications",
    responses=_ERRORS,
)
async def organization_applications(
    organization_id: uuid.UUID,
    actor: CurrentActor,
    session: ActingRead,
    paging: Paging,
    filters: ApplicationFilters,
) -> Page[ApplicationForOrganization]:
    """Newest first; filter by stage key, average rating, match score and date."""
    return await _listed(session, actor, organization_id, None, filters, paging)


@router.get(
    "/v1/postings/{posting_id}/applications",
    summary="A posting's applications (its organization)",
    responses=_ERRORS,
)
async def posting_applications(
    posting_id: uuid.UUID,
    actor: CurrentActor,
    session: ActingRead,
    paging: Paging,
    filters: ApplicationFilters,
) -> Page[ApplicationForOrganization]:
    """As for the organization's list, for one posting."""
    posting = await postings.get(session, posting_id)
    if posting is None:
        raise PostingNotFound()
    return await _listed(session, actor, posting.organization_id, posting_id, filters, paging)


@router.post(
    "/v1/organizations/{organization_id}/applications/transitions",
    summary="Move many applications to one stage, atomically",
    responses=_ERRORS,
)
async def bulk_transition(
    organization_id: uuid.UUID, body: BulkTransition, actor: CurrentActor, session: ActingWrite
) -> Page[ApplicationForOrganization]:
    """All move or none does."""
    moved = await service.bulk_transition(session, actor, organization_id, body)
    return Page[ApplicationForOrganization](items=moved, next_cursor=None)


@router.put(
    "/v1/applications/{application_id}/self-identification",
    status_code=204,
    summary="Voluntary US equal-opportunity self-identification (the candidate)",
    responses=_ERRORS,
)
async def self_identify(
    application_id: uuid.UUID,
    body: eeo.SelfIdentification,
    actor: CurrentActor,
    session: ActingWrite,
) -> Response:
    """Stored apart from the application; organizations only ever see counts."""
    await eeo.put(session, actor, application_id, body)
    return Response(status_code=204)


@router.get(
    "/v1/organizations/{organization_id}/self-identification-report",
    summary="Self-identification counts (owners and admins)",
    responses=_ERRORS,
)
async def self_identification_report(
    organization_id: uuid.UUID, actor: CurrentActor, session: ActingRead, request: Request
) -> dict[str, Any]:
    """Counts per value; a value shared by fewer applicants than the statistics minimum
    sample is withheld."""
    min_sample = request.app.state.settings.stats_min_sample
    return await eeo.report(session, actor, organization_id, min_sample)
