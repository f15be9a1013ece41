"""The one policy layer: who may see and who may change an organization's resources.

A caller who may not see an object gets the resource's 404 (its existence is not
revealed); one who may see it but not change it gets 403. Services call ``authorize``
before touching an organization's rows; row-level security is the second wall.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hireboard.access.actor import Actor, Role
from hireboard.access.errors import (
    ApiKeyNotAllowed,
    ConflictOfInterest,
    EmailNotVerified,
    InsufficientScope,
    NotAllowed,
)
from hireboard.config import Settings
from hireboard.errors import NotAuthenticated, NotFound

ALL_ROLES: frozenset[Role] = frozenset({"owner", "admin", "recruiter", "hiring_manager"})
MANAGERS: frozenset[Role] = frozenset({"owner", "admin"})


@dataclass(frozen=True)
class Permission:
    """An action on an organization's resources and who may take it."""

    action: str  # shown in 403 details: "... may not <action>"
    roles: frozenset[Role]
    scope: str | None = None  # API keys holding this scope may too; None: users only
    platform_admin: bool = False  # the board operator may too (reads only, by convention)


READ_ORGANIZATION = Permission(
    "read this organization", ALL_ROLES, scope="organization:read", platform_admin=True
)
UPDATE_ORGANIZATION = Permission("change the organization's profile", MANAGERS)
READ_MEMBERS = Permission("list members", ALL_ROLES, scope="organization:read", platform_admin=True)
MANAGE_MEMBERS = Permission("change or remove members", MANAGERS)
READ_INVITATIONS = Permission("list invitations", MANAGERS, platform_admin=True)
INVITE = Permission("invite members", MANAGERS)
READ_API_KEYS = Permission("list API keys", MANAGERS, platform_admin=True)
MANAGE_API_KEYS = Permission("create or revoke API keys", MANAGERS)
READ_TEMPLATES = Permission(
    "read the organization's templates", ALL_ROLES, scope="postings:read", platform_admin=True
)
WRITE_TEMPLATES = Permission(
    "create or edit templates",
    frozenset({"owner", "admin", "recruiter"}),
    scope="postings:write",
)
READ_AUDIT_LOG = Permission("read the audit log", MANAGERS, platform_admin=True)


def authorize(
    actor: Actor,
    organization_id: uuid.UUID,
    permission: Permission,
    hidden: type[NotFound] = NotFound,
    *,
    public: bool = False,
) -> None:
    """Return when ``actor`` may do this; else 404 (``hidden``) when the object is not
    visible to them, 403 when it is. ``public``: the object is visible to everyone (an
    organization's profile), so an outsider gets 403 rather than 404."""
    if actor.is_anonymous:
        raise NotAuthenticated("Send Authorization: Bearer <access token or API key>.")
    if not (public or actor.platform_admin or organization_id in actor.organization_ids):
        raise hidden()
    if actor.api_key_id is not None:
        if organization_id != actor.api_key_organization_id:
            raise NotAllowed("This API key belongs to another organization.")
        if permission.scope is None:
            raise ApiKeyNotAllowed(f"An API key may not {permission.action}; log in as a user.")
        if permission.scope not in actor.scopes:
            raise InsufficientScope(f"This needs an API key with the {permission.scope} scope.")
        return
    role = actor.roles.get(organization_id)
    if role in permission.roles or (actor.platform_admin and permission.platform_admin):
        return
    who = f"The {role} role" if role else "A platform admin"
    if role is None and not actor.platform_admin:
        raise NotAllowed(f"Only members of the organization may {permission.action}.")
    raise NotAllowed(f"{who} may not {permission.action}.")


def refuse_own_application(actor: Actor, candidate_id: uuid.UUID | None) -> None:
    """403 ``conflict_of_interest`` when the caller is the applicant: a member who applied
    to their own organization never sees its pipeline side of their application (notes,
    ratings, stage moves). Call it after ``authorize``, so a plain candidate still gets 404;
    the candidate routes keep showing them their application as a candidate."""
    if actor.user_id is not None and actor.user_id == candidate_id:
        raise ConflictOfInterest(
            "You applied here: colleagues handle your application; you follow it as a "
            "candidate (GET /v1/me/applications)."
        )


def require_user(actor: Actor) -> uuid.UUID:
    """The acting user's id; API keys get 403."""
    if actor.user_id is None:
        if actor.api_key_id is not None:
            raise ApiKeyNotAllowed("This needs a user; an API key cannot do it.")
        raise NotAuthenticated("Send Authorization: Bearer <access token>.")
    return actor.user_id


def require_verified_email(actor: Actor, settings: Settings) -> None:
    """With ``HIREBOARD_REQUIRE_VERIFIED_EMAIL``: creating, publishing and applying need it."""
    if settings.verified_email_required and not actor.email_verified:
        raise EmailNotVerified("Confirm your email address with the link we sent, then retry.")
