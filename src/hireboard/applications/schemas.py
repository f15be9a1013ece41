"""Bodies of the applications API; unknown fields are refused (422)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from hireboard.kit.text import RequestModel, Text, Uuid

Category = Literal["applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn"]
FINAL: frozenset[str] = frozenset({"hired", "rejected", "withdrawn"})
StageKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Answer(RequestModel):
    question_id: Annotated[str, Text(64, min_length=1)]
    value: (
        Annotated[str, Text(2000, multiline=True)]
        | bool
        | float
        | Annotated[list[Annotated[str, Text(200)]], Field(max_length=50)]
    )


class ApplicationCreate(RequestModel):
    resume_id: Uuid
    answers: list[Answer] = Field(default_factory=list, max_length=50)
    cover_letter: Annotated[str, Text(20_000, multiline=True)] | None = None


class Transition(RequestModel):
    stage: StageKey
    reason: Annotated[str, Text(1000, multiline=True)] | None = None


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


class NoteCreate(RequestModel):
    body: Annotated[str, Text(5000, min_length=1, multiline=True)]
    rating: int | None = Field(default=None, ge=1, le=5)


class Note(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID | None
    body: str
    rating: int | None
    created_at: datetime


class BulkTransition(RequestModel):
    application_ids: list[Uuid] = Field(min_length=1, max_length=200)
    stage: StageKey
    reason: Annotated[str, Text(1000, multiline=True)] | None = None


class StageCreate(RequestModel):
    key: StageKey
    name: Annotated[str, Text(60, min_length=1)]
    category: Category


class StageUpdate(RequestModel):
    name: Annotated[str, Text(60, min_length=1)]
