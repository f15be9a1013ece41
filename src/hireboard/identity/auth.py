"""The ``CurrentUser`` route dependency: a verified access token of a live session."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hireboard.db import ReadSession
from hireboard.identity.service import Identity
from hireboard.identity.tokens import AccessClaims
from hireboard.kit.caller import CALLER_STATE


def identity_from(request: Request) -> Identity:
    identity: Identity = request.app.state.identity
    return identity


async def current_user(request: Request, session: ReadSession) -> AccessClaims:
    claims = await identity_from(request).authenticate(
        session, request.headers.get("authorization")
    )
    setattr(request.state, CALLER_STATE, f"user:{claims.user_id}")
    return claims


CurrentUser = Annotated[AccessClaims, Depends(current_user)]
IdentityService = Annotated[Identity, Depends(identity_from)]
