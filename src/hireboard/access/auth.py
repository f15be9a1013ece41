"""Authentication dependencies: who is calling (an access token or an API key), as an Actor.

``CurrentActor`` needs credentials (401 without). ``OptionalActor`` lets anonymous callers
through as ``ANONYMOUS``. Sessions that act for the caller (row-level security):
``ActingRead``, ``OptionalActingRead`` (public routes) and ``ActingWrite``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import repository
from hireboard.access.actor import ANONYMOUS, Actor, Role
from hireboard.access.context import act_as, present_credential, set_context
from hireboard.db import (
    DetailSession,
    ReadSession,
    WriteSession,
    database_from,
    timed_read_session,
)
from hireboard.errors import NotAuthenticated
from hireboard.identity.auth import identity_from
from hireboard.identity.errors import InvalidToken
from hireboard.identity.tokens import verify_access_token
from hireboard.kit.caller import CALLER_STATE

API_KEY_PREFIX = "hbk_"
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class InvalidApiKey(NotAuthenticated):
    code = "invalid_api_key"
    title = "Invalid, expired or revoked API key"


def hash_api_key(key: str) -> str:
    """Keys carry 256 random bits, so a fast hash is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


async def _user_actor(request: Request, session: AsyncSession, token: str) -> Actor:
    identity = identity_from(request)
    claims = verify_access_token(identity.keys, identity.settings, token)
    await set_context(session, user_id=claims.user_id)  # lets the user's own memberships show
    row = await repository.live_user(session, claims.session_id, claims.user_id)
    if row is None:
        raise InvalidToken("The session has ended.", headers=_CHALLENGE)
    roles: dict[uuid.UUID, Role] = {uuid.UUID(k): v for k, v in row.roles.items()}
    return Actor(
        user_id=claims.user_id,
        session_id=claims.session_id,
        platform_admin=row.is_platform_admin,
        email_verified=row.email_verified,
        roles=roles,
    )


async def _api_key_actor(request: Request, session: AsyncSession, key: str) -> Actor:
    settings = identity_from(request).settings
    secret_hash = hash_api_key(key)
    await present_credential(session, secret_hash)
    row = await repository.api_key_by_hash(session, secret_hash, settings.api_key_touch_interval_s)
    if row is None or row.revoked_at is not None or row.expired:
        raise InvalidApiKey(
            "Create a new key, or check that it was copied whole.", headers=_CHALLENGE
        )
    if row.stale:
        # Recorded in its own short transaction: reads run read-only, and a failed request
        # still used the key.
        async with database_from(request).write_sessions() as write, write.begin():
            await present_credential(write, secret_hash)
            await repository.touch_api_key(write, secret_hash)
    return Actor(
        api_key_id=row.id,
        api_key_organization_id=row.organization_id,
        scopes=frozenset(row.scopes),
    )


async def _authenticate(request: Request, session: AsyncSession, header: str) -> Actor:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated(
            "Send Authorization: Bearer <access token or API key>.", headers=_CHALLENGE
        )
    if token.startswith(API_KEY_PREFIX):
        actor = await _api_key_actor(request, session, token)
    else:
        actor = await _user_actor(request, session, token)
    setattr(request.state, CALLER_STATE, actor.caller_id)
    return actor


async def _resolve(request: Request, header: str) -> Actor:
    """Authenticate on a connection of its own, given back before the endpoint's session is
    taken: a request never holds two pooled connections waiting for each other (under
    load that starves the pool)."""
    async with database_from(request).read_sessions() as session:
        await session.connection(execution_options={"postgresql_readonly": True})
        try:
            return await _authenticate(request, session, header)
        finally:
            await session.rollback()


async def current_actor(request: Request) -> Actor:
    header = request.headers.get("authorization")
    if header is None:
        raise NotAuthenticated(
            "Send Authorization: Bearer <access token or API key>.", headers=_CHALLENGE
        )
    return await _resolve(request, header)


async def optional_actor(request: Request) -> Actor:
    """Anonymous without an Authorization header; bad credentials are still 401."""
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    return await _resolve(request, header)


CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor, Depends(optional_actor)]


async def acting_write(actor: CurrentActor, session: WriteSession) -> AsyncSession:
    # The caller is resolved first, so an Idempotency-Key is scoped by them (db.write_session).
    await act_as(session, actor)
    return session


async def acting_read(actor: CurrentActor, session: ReadSession) -> AsyncSession:
    await act_as(session, actor)
    return session


async def acting_read_optional(actor: OptionalActor, session: ReadSession) -> AsyncSession:
    await act_as(session, actor)
    return session


async def acting_detail_optional(actor: OptionalActor, session: DetailSession) -> AsyncSession:
    await act_as(session, actor)  # applies the detail route class's statement timeout too
    return session


_detail_session = asynccontextmanager(timed_read_session("detail", with_context=True))


async def member_detail(
    request: Request, actor: OptionalActor
) -> AsyncIterator[AsyncSession | None]:
    """None for anonymous callers, who read stored public answers and need no transaction;
    signed-in callers get OptionalActingDetail's session (they may see their drafts)."""
    if actor.is_anonymous:
        yield None
        return
    async with _detail_session(request) as session:
        await act_as(session, actor)
        yield session


ActingWrite = Annotated[AsyncSession, Depends(acting_write)]
# Public routes: anonymous callers too; members also see their organization's private rows.
OptionalActingRead = Annotated[AsyncSession, Depends(acting_read_optional)]
ActingRead = Annotated[AsyncSession, Depends(acting_read)]
# Public detail routes: as OptionalActingRead, under the detail statement timeout.
OptionalActingDetail = Annotated[AsyncSession, Depends(acting_detail_optional)]
# Public detail routes with a lean anonymous path: None when anonymous.
MemberDetail = Annotated[AsyncSession | None, Depends(member_detail, scope="function")]
