"""Bodies of the candidate API; unknown fields are refused (422)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hireboard.kit.text import RequestModel, Text
from hireboard.postings.schemas import LocationIn, Period
from hireboard.vocabulary import Level, RoleFamily

Name = Annotated[str, Text(60, min_length=1)]


class SkillIn(RequestModel):
    name: Name
    years: float | None = Field(default=None, ge=0, le=60)
    level: Literal["beginner", "intermediate", "advanced", "expert"] | None = None


class PayExpectation(RequestModel):
    amount: float = Field(gt=0, le=100_000_000)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    period: Period


class ProfileIn(RequestModel):
    headline: Annotated[str, Text(200)] | None = None
    skills: list[SkillIn] = Field(default_factory=list, max_length=100)
    desired_levels: list[Level] = Field(default_factory=list, max_length=6)
    desired_role_families: list[RoleFamily] = Field(default_factory=list, max_length=14)
    locations: list[LocationIn] = Field(default_factory=list, max_length=20)
    desired_workplace_types: list[Literal["onsite", "hybrid", "remote"]] = Field(
        default_factory=list, max_length=3
    )
    pay_expectation: PayExpectation | None = None
    visibility: Literal["private", "employers"] = "private"


class Profile(ProfileIn):
    # Built from stored rows, not from a request.
    model_config = ConfigDict(extra="ignore", strict=False)

    user_id: uuid.UUID
    updated_at: datetime | None


class Resume(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    status: Literal["pending", "parsed", "failed"]
    proposed_skills: list[str]
    error: str | None
    created_at: datetime
    parsed_at: datetime | None
