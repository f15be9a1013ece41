"""/v1/me/export."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from hireboard.access.auth import ActingRead, ActingWrite, CurrentActor
from hireboard.kit.problem import problem_responses
from hireboard.kit.routing import JSONRoute
from hireboard.privacy import service

router = APIRouter(route_class=JSONRoute, tags=["privacy"])


@router.get(
    "/v1/me/export",
    summary="All of the caller's data, as JSON",
    responses={200: {"content": {"application/json": {}}}, **problem_responses(401, 403)},
)
async def export(actor: CurrentActor, session: ActingRead) -> Response:
    """Account, profile, resumes with their extracted text, applications with answers and
    history, memberships, notification preferences and login sessions. A download."""
    document = await service.export(session, actor)
    return Response(
        json.dumps(document, default=str, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="hireboard-export.json"',
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/v1/me",
    status_code=204,
    summary="Erase the caller's account and personal data",
    responses=problem_responses(401, 403, 409),
)
async def erase(actor: CurrentActor, session: ActingWrite) -> Response:
    """Profile, resumes (and their files), sessions, memberships and preferences are
    deleted; applications are anonymised, so organizations keep their stages without a
    person. 409 `last_owner` when an organization would be left without an owner."""
    await service.erase(session, actor)
    return Response(status_code=204)
