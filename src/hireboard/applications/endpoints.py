"""/v1/postings/{id}/applications, /v1/applications/{id}, /v1/me/applications, stages."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from hireboard.access.auth import ActingRead, ActingWrite, CurrentActor
from hireboard.applications import service
from hireboard.applications.schemas import (
    ApplicationCreate,
    ApplicationForCandidate,
    ApplicationForOrganization,
    Event,
    Stage,
    Transition,
)
from hireboard.config import Settings
from hireboard.kit.idempotency import idempotent
from hireboard.kit.pagination import Page
from hireboard.kit.problem import problem_responses
from hireboard.kit.routing import JSONRoute

router = APIRouter(route_class=JSONRoute, tags=["applications"])
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
