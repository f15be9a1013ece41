"""/v1/me/notifications and /v1/notifications/unsubscribe."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hireboard.access import policy
from hireboard.access.auth import ActingRead, ActingWrite, CurrentActor
from hireboard.access.context import set_context
from hireboard.db import WriteSession
from hireboard.identity.auth import identity_from
from hireboard.kit.problem import problem_responses
from hireboard.kit.routing import JSONRoute
from hireboard.kit.text import Text
from hireboard.notifications import service
from hireboard.notifications.service import Preferences

router = APIRouter(route_class=JSONRoute, tags=["notifications"])


@router.get(
    "/v1/me/notifications",
    summary="Which emails the caller receives",
    responses=problem_responses(401, 403),
)
async def get_preferences(actor: CurrentActor, session: ActingRead) -> Preferences:
    """Everything is on until switched off."""
    return await service.get(session, policy.require_user(actor))


@router.put(
    "/v1/me/notifications",
    summary="Choose which emails the caller receives",
    responses=problem_responses(401, 403, 422),
)
async def put_preferences(
    body: Preferences, actor: CurrentActor, session: ActingWrite
) -> Preferences:
    """`application_updates`: your applications' progress; `new_applications`: new
    applications to your organizations' postings."""
    return await service.put(session, policy.require_user(actor), body)


@router.post(
    "/v1/notifications/unsubscribe",
    status_code=204,
    summary="One-click unsubscribe from an email's link (no login)",
    responses=problem_responses(400, 422),
)
async def unsubscribe(
    request: Request,
    session: WriteSession,
    token: Annotated[str, Text(2000, min_length=20, strip=False), Query()],
) -> Response:
    """The token in the email's link says who and which kind of email (RFC 8058)."""
    identity = identity_from(request)
    user_id, kind = service.read_unsubscribe_token(identity.keys, identity.settings, token)
    await set_context(session, user_id=user_id)  # the token's holder acts for that user
    current = await service.get(session, user_id)
    await service.put(session, user_id, current.model_copy(update={kind: False}))
    return Response(status_code=204)
