"""/v1/organizations and /v1/invitations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from hireboard.access.auth import (
    ActingRead,
    ActingWrite,
    CurrentActor,
    OptionalActingRead,
    OptionalActor,
)
from hireboard.config import Settings
from hireboard.kit.hosts import public_url
from hireboard.kit.idempotency import idempotent
from hireboard.kit.pagination import InvalidCursor, Page, Paging
from hireboard.kit.problem import problem_responses
from hireboard.kit.routing import JSONRoute
from hireboard.kit.text import Text
from hireboard.organizations import service
from hireboard.organizations.schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    AuditEntry,
    Invitation,
    InvitationCreate,
    Member,
    MemberUpdate,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
)

router = APIRouter(route_class=JSONRoute, tags=["organizations"])

OrgId = Annotated[uuid.UUID, Path(description="The organization's id.")]
_READ_ERRORS = problem_responses(400, 401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _created(response: Response, request: Request, path: str) -> None:
    response.headers["Location"] = public_url(request, path)


@router.get(
    "/v1/organizations",
    summary="The caller's organizations",
    responses=_READ_ERRORS,
)
async def list_organizations(
    actor: CurrentActor,
    session: ActingRead,
    paging: Paging,
) -> Page[Organization]:
    """Organizations the caller belongs to (an API key: its own; a platform admin: all)."""
    rows = await service.list_organizations(session, actor, paging.after(2), paging.limit)
    return paging.page(rows, lambda o: (o.created_at.isoformat(), o.id))


@router.post(
    "/v1/organizations",
    status_code=201,
    summary="Create an organization (the caller becomes its owner)",
    responses=_WRITE_ERRORS,
    openapi_extra=idempotent(),
)
async def create_organization(
    body: OrganizationCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Organization:
    """With ``HIREBOARD_REQUIRE_VERIFIED_EMAIL`` the caller's email must be verified (403)."""
    organization = await service.create_organization(session, actor, _settings(request), body)
    _created(response, request, f"/v1/organizations/{organization.id}")
    return organization


@router.get(
    "/v1/organizations/{organization_id}",
    summary="An organization's public profile",
    responses=problem_responses(401, 404, 422),
)
async def get_organization(
    organization_id: OrgId, actor: OptionalActor, session: OptionalActingRead
) -> Organization:
    """Public; ``my_role`` says the caller's role when they are a member."""
    return await service.get_organization(session, actor, organization_id)


@router.patch(
    "/v1/organizations/{organization_id}",
    summary="Change the organization's profile (owners and admins)",
    responses=_WRITE_ERRORS,
)
async def update_organization(
    organization_id: OrgId, body: OrganizationUpdate, actor: CurrentActor, session: ActingWrite
) -> Organization:
    """Only the fields sent change."""
    return await service.update_organization(session, actor, organization_id, body)


@router.get(
    "/v1/organizations/{organization_id}/members",
    summary="The organization's members and their roles",
    responses=_READ_ERRORS,
)
async def list_members(
    organization_id: OrgId,
    actor: CurrentActor,
    session: ActingRead,
    paging: Paging,
) -> Page[Member]:
    """Visible to every member (and API keys with ``organization:read``)."""
    rows = await service.list_members(
        session, actor, organization_id, paging.after(2), paging.limit
    )
    return paging.page(rows, lambda m: (m.joined_at.isoformat(), m.user_id))


@router.patch(
    "/v1/organizations/{organization_id}/members/{user_id}",
    summary="Change a member's role (owners and admins; owners alone touch owners)",
    responses=_WRITE_ERRORS,
)
async def change_role(
    organization_id: OrgId,
    user_id: uuid.UUID,
    body: MemberUpdate,
    actor: CurrentActor,
    session: ActingWrite,
) -> Member:
    """409 ``last_owner`` when it would leave the organization without an owner."""
    return await service.change_role(session, actor, organization_id, user_id, body.role)


@router.delete(
    "/v1/organizations/{organization_id}/members/{user_id}",
    status_code=204,
    summary="Remove a member, or leave (your own id)",
    responses=_WRITE_ERRORS,
)
async def remove_member(
    organization_id: OrgId, user_id: uuid.UUID, actor: CurrentActor, session: ActingWrite
) -> Response:
    """Owners and admins remove members; anyone may leave, except the last owner (409)."""
    await service.remove_member(session, actor, organization_id, user_id)
    return Response(status_code=204)


@router.get(
    "/v1/organizations/{organization_id}/invitations",
    summary="Invitations sent by the organization",
    responses=_READ_ERRORS,
)
async def list_invitations(
    organization_id: OrgId,
    actor: CurrentActor,
    session: ActingRead,
    paging: Paging,
) -> Page[Invitation]:
    """Newest first, with their status (pending, accepted, revoked, expired)."""
    rows = await service.list_invitations(
        session, actor, organization_id, paging.after(2), paging.limit
    )
    return paging.page(rows, lambda i: (i.created_at.isoformat(), i.id))


@router.post(
    "/v1/organizations/{organization_id}/invitations",
    status_code=201,
    summary="Invite someone by email (owners and admins)",
    responses=_WRITE_ERRORS,
    openapi_extra=idempotent(),
)
async def invite(
    organization_id: OrgId,
    body: InvitationCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Invitation:
    """The link is emailed by a background job; a pending invitation to the address is replaced."""
    invitation = await service.invite(session, actor, _settings(request), organization_id, body)
    _created(response, request, f"/v1/organizations/{organization_id}/invitations/{invitation.id}")
    return invitation


@router.get(
    "/v1/organizations/{organization_id}/invitations/{invitation_id}",
    summary="One invitation (owners and admins)",
    responses=_READ_ERRORS,
)
async def get_invitation(
    organization_id: OrgId, invitation_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> Invitation:
    """With its status (pending, accepted, revoked, expired); never its token."""
    return await service.get_invitation(session, actor, organization_id, invitation_id)


@router.delete(
    "/v1/organizations/{organization_id}/invitations/{invitation_id}",
    status_code=204,
    summary="Revoke a pending invitation",
    responses=_WRITE_ERRORS,
)
async def revoke_invitation(
    organization_id: OrgId, invitation_id: uuid.UUID, actor: CurrentActor, session: ActingWrite
) -> Response:
    """Its link stops working at once."""
    await service.revoke_invitation(session, actor, organization_id, invitation_id)
    return Response(status_code=204)


@router.post(
    "/v1/invitations/{token}/accept",
    summary="Accept an invitation (logged in with the invited address)",
    responses=_WRITE_ERRORS,
)
async def accept_invitation(
    token: Annotated[str, Text(200, min_length=10, strip=False), Path()],
    actor: CurrentActor,
    session: ActingWrite,
) -> Organization:
    """The caller joins with the invited role; the link works once."""
    return await service.accept_invitation(session, actor, token)


@router.get(
    "/v1/organizations/{organization_id}/api-keys",
    summary="The organization's API keys (never their secrets)",
    responses=_READ_ERRORS,
)
async def list_api_keys(
    organization_id: OrgId,
    actor: CurrentActor,
    session: ActingRead,
    paging: Paging,
) -> Page[ApiKey]:
    """Newest first; revoked and expired keys included."""
    rows = await service.list_api_keys(
        session, actor, organization_id, paging.after(2), paging.limit
    )
    return paging.page(rows, lambda k: (k.created_at.isoformat(), k.id))


@router.post(
    "/v1/organizations/{organization_id}/api-keys",
    status_code=201,
    summary="Create an API key (shown once)",
    responses=_WRITE_ERRORS,
    openapi_extra=idempotent(),
)
async def create_api_key(
    organization_id: OrgId,
    body: ApiKeyCreate,
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> ApiKeyCreated:
    """Send it as ``Authorization: Bearer hbk_...``; it acts for the organization within its
    scopes. The answer carries the secret once, so it is never cached."""
    created = await service.create_api_key(
        session, actor, _settings(request), organization_id, body
    )
    _created(response, request, f"/v1/organizations/{organization_id}/api-keys/{created.id}")
    response.headers["Cache-Control"] = "no-store"
    return created


@router.get(
    "/v1/organizations/{organization_id}/api-keys/{key_id}",
    summary="One API key (never its secret)",
    responses=_READ_ERRORS,
)
async def get_api_key(
    organization_id: OrgId, key_id: uuid.UUID, actor: CurrentActor, session: ActingRead
) -> ApiKey:
    """Revoked and expired keys too."""
    return await service.get_api_key(session, actor, organization_id, key_id)


@router.delete(
    "/v1/organizations/{organization_id}/api-keys/{key_id}",
    status_code=204,
    summary="Revoke an API key",
    responses=_WRITE_ERRORS,
)
async def revoke_api_key(
    organization_id: OrgId, key_id: uuid.UUID, actor: CurrentActor, session: ActingWrite
) -> Response:
    """It fails from its next request on."""
    await service.revoke_api_key(session, actor, organization_id, key_id)
    return Response(status_code=204)


@router.get(
    "/v1/organizations/{organization_id}/audit-log",
    summary="Who did what in the organization (owners and admins)",
    responses=_READ_ERRORS,
)
async def read_audit_log(
    organization_id: OrgId,
    actor: CurrentActor,
    session: ActingRead,
    paging: Paging,
) -> Page[AuditEntry]:
    """Newest first: member and role changes, invitations, API keys, failed logins."""
    before = _int_cursor(paging.after(1))
    rows = await service.read_audit_log(session, actor, organization_id, before, paging.limit)
    return paging.page(rows, lambda e: (e.id,))


def _int_cursor(key: list[str] | None) -> int | None:
    if key is None:
        return None
    if not key[0].isdigit():
        raise InvalidCursor()
    return int(key[0])
