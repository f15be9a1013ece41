"""Request and response bodies of the organizations API; unknown fields are refused (422)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from hireboard.access.actor import Role, Scope
from hireboard.kit.jsonschema import HttpUrlPattern

Slug = Annotated[
    str,
    StringConstraints(min_length=2, max_length=60, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
]
# ISO 3166-1 alpha-2 ("DE"), ISO 3166-2 ("US-CO"), or "EU".
RegionCode = Annotated[str, StringConstraints(pattern=r"^(EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")]
Url = Annotated[AnyHttpUrl, Field(max_length=2000), HttpUrlPattern()]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganizationFields(Strict):
    website: Url | None = None
    logo_url: Url | None = None
    description: str | None = Field(default=None, max_length=5000)
    headcount: int | None = Field(default=None, ge=0, le=10_000_000)
    headcount_by_region: dict[RegionCode, Annotated[int, Field(ge=0, le=10_000_000)]] | None = (
        Field(
            default=None,
            max_length=300,
            description="Employees per country or region (the checker's law thresholds).",
        )
    )


class OrganizationCreate(OrganizationFields):
    name: str = Field(min_length=1, max_length=200)
    slug: Slug | None = Field(default=None, description="Made from the name when omitted.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme Analytics",
                    "website": "https://acme.example",
                    "headcount": 120,
                    "headcount_by_region": {"US-CO": 12, "CA-ON": 30},
                }
            ]
        },
    )


class OrganizationUpdate(OrganizationFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    slug: Slug | None = None


class Organization(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    website: str | None
    logo_url: str | None
    description: str | None
    headcount: int | None
    headcount_by_region: dict[str, int]
    created_at: datetime
    updated_at: datetime
    my_role: Role | None = Field(description="The caller's role here, if they are a member.")


class Member(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    role: Role
    joined_at: datetime


class MemberUpdate(Strict):
    role: Role


class InvitationCreate(Strict):
    email: EmailStr
    role: Role = "recruiter"


class Invitation(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: Role
    status: Literal["pending", "accepted", "revoked", "expired"]
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None


class ApiKeyCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=20)
    expires_at: datetime | None = Field(
        default=None, description="At most HIREBOARD_API_KEY_MAX_TTL_DAYS ahead; default 90 days."
    )


class ApiKey(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    scopes: list[str]
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The secret. Shown this once; store it now.")


class AuditEntry(BaseModel):
    id: int
    organization_id: uuid.UUID
    action: str
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]
    request_id: str | None
    created_at: datetime
