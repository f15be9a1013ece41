"""Organizations, members, invitations, API keys and the audit log, behind the policy layer.

Every function takes the acting ``Actor`` and a session already acting for them; each
checks ``access.policy.authorize`` before touching an organization's private rows.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import audit, policy
from hireboard.access.actor import Actor, Role
from hireboard.access.auth import API_KEY_PREFIX, hash_api_key
from hireboard.access.context import act_as, present_credential
from hireboard.config import Settings
from hireboard.identity import repository as users
from hireboard.identity.service import normalise_email
from hireboard.identity.tokens import hash_refresh_token as hash_secret
from hireboard.organizations import repository
from hireboard.organizations.errors import (
    AlreadyMember,
    ApiKeyNotFound,
    InvalidExpiry,
    InvitationForAnotherEmail,
    InvitationNotFound,
    LastOwner,
    MemberNotFound,
    OrganizationNotFound,
    OwnersOnly,
    SlugTaken,
)
from hireboard.organizations.schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    AuditEntry,
    Invitation,
    InvitationCreate,
    Member,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
)
from hireboard.worker import defer

# --- organizations -------------------------------------------------------------------------


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50].strip("-")
    return slug if len(slug) >= 2 else "org"


def _organization(row: Row[Any], actor: Actor) -> Organization:
    return Organization(
        id=row.id,
        name=row.name,
        slug=row.slug,
        website=row.website,
        logo_url=row.logo_url,
        description=row.description,
        headcount=row.headcount,
        headcount_by_region=row.headcount_by_region,
        created_at=row.created_at,
        updated_at=row.updated_at,
        my_role=actor.roles.get(row.id),
    )


def _plain(body: OrganizationCreate | OrganizationUpdate) -> dict[str, Any]:
    """The fields the client sent, URLs as strings."""
    fields = body.model_dump(exclude_unset=True)
    for url in ("website", "logo_url"):
        if fields.get(url) is not None:
            fields[url] = str(fields[url])
    return fields


async def create_organization(
    session: AsyncSession, actor: Actor, settings: Settings, body: OrganizationCreate
) -> Organization:
    """The creator becomes its owner."""
    user_id = policy.require_user(actor)
    policy.require_verified_email(actor, settings)
    fields = _plain(body)
    if body.slug is not None:
        row = await repository.insert_organization(session, fields, user_id)
        if row is None:
            raise SlugTaken(f"The slug {body.slug!r} is taken; choose another.")
    else:
        base = slugify(body.name)
        row = None
        for candidate in [base] + [f"{base}-{secrets.token_hex(3)}" for _ in range(5)]:
            row = await repository.insert_organization(
                session, {**fields, "slug": candidate}, user_id
            )
            if row is not None:
                break
        if row is None:  # pragma: no cover - six collisions in a row
            raise SlugTaken("Could not find a free slug; send one.")
    owner = actor.joined(row.id, "owner")
    await act_as(session, owner)
    await repository.add_member(session, row.id, user_id, "owner")
    await audit.record(
        session, row.id, "organization.created", actor, target_type="organization", target_id=row.id
    )
    return _organization(row, owner)


async def _get(session: AsyncSession, organization_id: uuid.UUID) -> Row[Any]:
    row = await repository.get_organization(session, organization_id)
    if row is None:
        raise OrganizationNotFound()
    return row


async def get_organization(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID
) -> Organization:
    """The public profile: anyone may read it."""
    return _organization(await _get(session, organization_id), actor)


async def list_organizations(
    session: AsyncSession, actor: Actor, after: list[str] | None, limit: int
) -> list[Organization]:
    """The caller's organizations (an API key: its own; a platform admin: all)."""
    ids = None if actor.platform_admin else sorted(actor.organization_ids)
    rows = await repository.list_organizations(session, ids, after, limit)
    return [_organization(row, actor) for row in rows]


async def update_organization(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, body: OrganizationUpdate
) -> Organization:
    await _get(session, organization_id)
    policy.authorize(
        actor, organization_id, policy.UPDATE_ORGANIZATION, OrganizationNotFound, public=True
    )
    changes = _plain(body)
    if changes.get("name") is None:
        changes.pop("name", None)  # name is required: null does not clear it
    if changes.get("slug") is None:
        changes.pop("slug", None)
    elif await repository.slug_taken(session, changes["slug"], organization_id):
        raise SlugTaken(f"The slug {changes['slug']!r} is taken; choose another.")
    row = await repository.update_organization(session, organization_id, changes)
    if row is None:  # pragma: no cover - checked above, in the same transaction
        raise OrganizationNotFound()
    await audit.record(
        session,
        organization_id,
        "organization.updated",
        actor,
        target_type="organization",
        target_id=organization_id,
        details={"fields": sorted(changes)},
    )
    return _organization(row, actor)


# --- members -------------------------------------------------------------------------------


def _member(row: Row[Any]) -> Member:
    return Member(
        user_id=row.user_id, name=row.name, email=row.email, role=row.role, joined_at=row.joined_at
    )


async def list_members(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    after: list[str] | None,
    limit: int,
) -> list[Member]:
    policy.authorize(actor, organization_id, policy.READ_MEMBERS, OrganizationNotFound)
    await _get(session, organization_id)
    rows = await repository.list_members(session, organization_id, after, limit)
    return [_member(row) for row in rows]


async def _guard_owners(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    target: Row[Any],
    new_role: Role | None,
) -> None:
    """Owners alone touch owners; the last owner cannot be demoted or removed."""
    touches_owner = target.role == "owner" or new_role == "owner"
    if touches_owner and actor.roles.get(organization_id) != "owner":
        raise OwnersOnly("Only an owner may grant, change or remove the owner role.")
    if target.role == "owner" and new_role != "owner":
        owners = await repository.lock_owners(session, organization_id)
        if owners == [target.user_id]:
            raise LastOwner("Make another member an owner first.")


async def change_role(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    role: Role,
) -> Member:
    policy.authorize(actor, organization_id, policy.MANAGE_MEMBERS, OrganizationNotFound)
    target = await repository.get_member(session, organization_id, user_id, lock=True)
    if target is None:
        raise MemberNotFound()
    if target.role != role:
        await _guard_owners(session, actor, organization_id, target, role)
        await repository.set_role(session, organization_id, user_id, role)
        await audit.record(
            session,
            organization_id,
            "member.role_changed",
            actor,
            target_type="user",
            target_id=user_id,
            details={"from": target.role, "to": role},
        )
    changed = await repository.get_member(session, organization_id, user_id)
    assert changed is not None  # noqa: S101 - locked above
    return _member(changed)


async def remove_member(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Managers remove members; any member may leave (the last owner may not)."""
    leaving = actor.user_id == user_id and organization_id in actor.roles
    if not leaving:
        policy.authorize(actor, organization_id, policy.MANAGE_MEMBERS, OrganizationNotFound)
    target = await repository.get_member(session, organization_id, user_id, lock=True)
    if target is None:
        raise MemberNotFound()
    if leaving and target.role == "owner":
        if await repository.lock_owners(session, organization_id) == [user_id]:
            raise LastOwner("Make another member an owner before you leave.")
    elif not leaving:
        await _guard_owners(session, actor, organization_id, target, None)
    await repository.remove_member(session, organization_id, user_id)
    await audit.record(
        session,
        organization_id,
        "member.left" if leaving else "member.removed",
        actor,
        target_type="user",
        target_id=user_id,
        details={"role": target.role},
    )


# --- invitations ---------------------------------------------------------------------------


def _invitation(row: Row[Any]) -> Invitation:
    return Invitation(
        id=row.id,
        organization_id=row.organization_id,
        email=row.email,
        role=row.role,
        status=row.status,
        invited_by=row.invited_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
    )


async def invite(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    organization_id: uuid.UUID,
    body: InvitationCreate,
) -> Invitation:
    """A pending invitation for the same address is replaced; the email goes out by a job."""
    policy.authorize(actor, organization_id, policy.INVITE, OrganizationNotFound)
    user_id = policy.require_user(actor)
    await _get(session, organization_id)
    if body.role == "owner" and actor.roles.get(organization_id) != "owner":
        raise OwnersOnly("Only an owner may invite another owner.")
    email = normalise_email(body.email)
    await repository.revoke_pending_invitation(session, organization_id, email)
    row = await repository.insert_invitation(
        session, organization_id, email, body.role, user_id, settings.invitation_ttl_s
    )
    await defer(session, "organizations.invitation_email", invitation_id=str(row.id))
    await audit.record(
        session,
        organization_id,
        "invitation.created",
        actor,
        target_type="invitation",
        target_id=row.id,
        details={"email": email, "role": body.role},
    )
    return _invitation(row)


async def list_invitations(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    after: list[str] | None,
    limit: int,
) -> list[Invitation]:
    policy.authorize(actor, organization_id, policy.READ_INVITATIONS, OrganizationNotFound)
    await _get(session, organization_id)
    rows = await repository.list_invitations(session, organization_id, after, limit)
    return [_invitation(row) for row in rows]


async def get_invitation(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, invitation_id: uuid.UUID
) -> Invitation:
    policy.authorize(actor, organization_id, policy.READ_INVITATIONS, OrganizationNotFound)
    row = await repository.get_invitation(session, invitation_id)
    if row is None or row.organization_id != organization_id:
        raise InvitationNotFound()
    return _invitation(row)


async def revoke_invitation(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    policy.authorize(actor, organization_id, policy.INVITE, OrganizationNotFound)
    if await repository.revoke_invitation(session, organization_id, invitation_id) is None:
        raise InvitationNotFound()
    await audit.record(
        session,
        organization_id,
        "invitation.revoked",
        actor,
        target_type="invitation",
        target_id=invitation_id,
    )


async def accept_invitation(session: AsyncSession, actor: Actor, token: str) -> Organization:
    """The invited address's account joins with the invited role; the address is verified."""
    user_id = policy.require_user(actor)
    token_hash = hash_secret(token)
    await present_credential(session, token_hash)  # only the token's holder sees the row
    row = await repository.invitation_by_token_hash(session, token_hash)
    if row is None or row.status != "pending":
        raise InvitationNotFound("The invitation is invalid, expired or already used.")
    user = await users.get_user(session, user_id)
    if user is None or user.email != row.email:
        raise InvitationForAnotherEmail(
            "Log in with the address the invitation was sent to, then accept it."
        )
    member = actor.joined(row.organization_id, row.role)
    await act_as(session, member)
    if not await repository.accept_invitation(session, row.id, user_id):
        raise InvitationNotFound("The invitation is invalid, expired or already used.")
    if not await repository.add_member(session, row.organization_id, user_id, row.role):
        raise AlreadyMember("You are a member of this organization already.")
    await users.mark_email_verified(session, user_id)  # the token reached that mailbox
    await audit.record(
        session,
        row.organization_id,
        "member.added",
        member,
        target_type="user",
        target_id=user_id,
        details={"role": row.role, "invitation_id": str(row.id)},
    )
    return _organization(await _get(session, row.organization_id), member)


# --- API keys ------------------------------------------------------------------------------


def _api_key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        prefix=row.prefix,
        scopes=list(row.scopes),
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


async def create_api_key(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    organization_id: uuid.UUID,
    body: ApiKeyCreate,
) -> ApiKeyCreated:
    """The secret is in this answer only; the database keeps its hash."""
    policy.authorize(actor, organization_id, policy.MANAGE_API_KEYS, OrganizationNotFound)
    user_id = policy.require_user(actor)
    await _get(session, organization_id)
    now = datetime.now(UTC)
    expires_at = body.expires_at or now + timedelta(days=settings.api_key_default_ttl_days)
    if expires_at.tzinfo is None:
        raise InvalidExpiry(
            "Give expires_at with a time zone (RFC 3339).",
            errors=[
                {
                    "loc": ["body", "expires_at"],
                    "msg": "needs a time zone",
                    "code": "invalid_expiry",
                }
            ],
        )
    if not now < expires_at <= now + timedelta(days=settings.api_key_max_ttl_days):
        raise InvalidExpiry(
            "expires_at must be in the future and at most "
            f"{settings.api_key_max_ttl_days} days ahead.",
            errors=[
                {"loc": ["body", "expires_at"], "msg": "out of range", "code": "invalid_expiry"}
            ],
        )
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    row = await repository.insert_api_key(
        session,
        organization_id,
        body.name,
        key[:12],
        hash_api_key(key),
        sorted(set(body.scopes)),
        user_id,
        expires_at,
    )
    await audit.record(
        session,
        organization_id,
        "api_key.created",
        actor,
        target_type="api_key",
        target_id=row.id,
        details={"name": body.name, "prefix": row.prefix, "scopes": list(row.scopes)},
    )
    return ApiKeyCreated(**_api_key(row).model_dump(), key=key)


async def list_api_keys(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    after: list[str] | None,
    limit: int,
) -> list[ApiKey]:
    policy.authorize(actor, organization_id, policy.READ_API_KEYS, OrganizationNotFound)
    await _get(session, organization_id)
    rows = await repository.list_api_keys(session, organization_id, after, limit)
    return [_api_key(row) for row in rows]


async def get_api_key(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, key_id: uuid.UUID
) -> ApiKey:
    policy.authorize(actor, organization_id, policy.READ_API_KEYS, OrganizationNotFound)
    row = await repository.get_api_key(session, organization_id, key_id)
    if row is None:
        raise ApiKeyNotFound()
    return _api_key(row)


async def revoke_api_key(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, key_id: uuid.UUID
) -> None:
    """Takes effect on the key's next request."""
    policy.authorize(actor, organization_id, policy.MANAGE_API_KEYS, OrganizationNotFound)
    row = await repository.revoke_api_key(session, organization_id, key_id)
    if row is None:
        raise ApiKeyNotFound()
    await audit.record(
        session,
        organization_id,
        "api_key.revoked",
        actor,
        target_type="api_key",
        target_id=key_id,
        details={"name": row.name, "prefix": row.prefix},
    )


# --- audit log -----------------------------------------------------------------------------


async def read_audit_log(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    before_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    policy.authorize(actor, organization_id, policy.READ_AUDIT_LOG, OrganizationNotFound)
    await _get(session, organization_id)
    rows = await repository.list_audit_log(session, organization_id, before_id, limit)
    return [AuditEntry.model_validate(row, from_attributes=True) for row in rows]
