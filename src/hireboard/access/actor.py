"""The caller of a request or the subject of a job: a user, an API key, or nobody."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

Role = Literal["owner", "admin", "recruiter", "hiring_manager"]
ROLES: tuple[Role, ...] = get_args(Role)

Scope = Literal[
    "organization:read",
    "postings:read",
    "postings:write",
    "applications:read",
    "applications:write",
]
SCOPES: tuple[Scope, ...] = get_args(Scope)


@dataclass(frozen=True)
class Actor:
    """Everything authorization decides on, resolved once per request."""

    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    platform_admin: bool = False
    email_verified: bool = False
    roles: Mapping[uuid.UUID, Role] = field(default_factory=dict)
    # An API key acts for one organization, within its scopes, and never as a user.
    api_key_id: uuid.UUID | None = None
    api_key_organization_id: uuid.UUID | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.api_key_id is None

    @property
    def organization_ids(self) -> frozenset[uuid.UUID]:
        """The organizations whose private rows this caller may see."""
        ids = set(self.roles)
        if self.api_key_organization_id is not None:
            ids.add(self.api_key_organization_id)
        return frozenset(ids)

    @property
    def caller_id(self) -> str:
        """The key rate limits and idempotency keys are scoped by."""
        if self.api_key_id is not None:
            return f"api_key:{self.api_key_id}"
        return f"user:{self.user_id}"

    def joined(self, organization_id: uuid.UUID, role: Role) -> Actor:
        """The same caller after becoming a member (creating an organization, accepting)."""
        return replace(self, roles={**self.roles, organization_id: role})


ANONYMOUS = Actor()
