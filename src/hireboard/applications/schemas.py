"""Bodies of the applications API; unknown fields are refused (422)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Category = Literal["applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn"]
FINAL: frozenset[str] = frozenset({"hired", "rejected", "withdrawn"})
StageKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(Strict):
    question_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    value: str | bool | float | list[str]


class ApplicationCreate(Strict):
    resume_id: uuid.UUID
    answers: list[Answer] = Field(default_factory=list, max_length=50)
    cover_letter: str | None = Field(default=None, max_length=20_000)


class Transition(Strict):
    stage: StageKey
    reason: str | None = Field(default=None, max_length=1000)


class Stage(BaseModel):
    key: str
    name: str
    category: Category
    position: int


class ApplicationForOrganization(BaseModel):
    """What the organization sees: the stage key and name, the resume and answers."""

    id: uuid.UUID
    posting_id: uuid.UUID
    candidate_id: uuid.UUID | None = Field(description="null once the candidate is erased")
    resume_id: uuid.UUID | None
    stage: str
    stage_name: str
    stage_category: Category
    answers: list[dict[str, Any]]
    cover_letter: str | None
    match_score: float | None = Field(
        description="How well the candidate's profile matches the posting (0-1, as "
        "`GET /v1/me/matches` scores it), computed when they applied and again "
        "when they change their profile; null when they had no profile"
    )
    created_at: datetime
    updated_at: datetime


class ApplicationForCandidate(BaseModel):
    """What the candidate sees: only the stage's category, never notes or ratings."""

    id: uuid.UUID
    posting_id: uuid.UUID
    posting_title: str | None
    organization_name: str
    resume_id: uuid.UUID | None
    stage: Category
    created_at: datetime
    updated_at: datetime


class Event(BaseModel):
    from_stage: str | None
    to_stage: str
    actor_id: uuid.UUID | None
    reason: str | None
    at: datetime


class NoteCreate(Strict):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    rating: int | None = Field(default=None, ge=1, le=5)


class Note(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID | None
    body: str
    rating: int | None
    created_at: datetime


class BulkTransition(Strict):
    application_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)
    stage: StageKey
    reason: str | None = Field(default=None, max_length=1000)


class StageCreate(Strict):
    key: StageKey
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    category: Category


class StageUpdate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
