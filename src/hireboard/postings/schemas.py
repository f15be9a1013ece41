"""Bodies of the postings API. Unknown and read-only fields are refused (422)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hireboard.kit.jsonschema import non_nullable, present
from hireboard.kit.text import RequestModel, Text, Timestamp, Url, errors_at
from hireboard.postings import pay
from hireboard.reference import (
    ISO_COUNTRY,
    ISO_CURRENCY,
    JURISDICTION,
    is_country,
    is_currency,
    is_jurisdiction,
)
from hireboard.vocabulary import Level, RoleFamily

Period = Literal["hour", "day", "week", "month", "year"]
EmploymentType = Literal["full_time", "part_time", "contract", "temporary", "internship"]
WorkplaceType = Literal["onsite", "hybrid", "remote"]
Status = Literal["draft", "published", "closed", "expired", "removed"]
Skill = Annotated[str, Text(60, min_length=1)]
Short = Annotated[str, Text(200, min_length=1)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

# Markup that would run script where the Markdown is shown: refused outright.
_UNSAFE = re.compile(
    r"(?i)<\s*/?\s*(?:script|iframe|object|embed|style|link|meta|base|form|svg|math)\b"
    r"|\bon[a-z]+\s*=|(?:javascript|vbscript|data\s*:\s*text/html)\s*:"
    r"|\]\(\s*(?:javascript|vbscript|data):"
)


Component = Literal["base", "bonus", "equity"]


def _base_only() -> list[Component]:
    return ["base"]


class PayRangeIn(RequestModel):
    # What _plausible checks first: a minimum, a maximum or both.
    model_config = ConfigDict(json_schema_extra={"anyOf": [present("min"), present("max")]})

    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    currency: Annotated[Currency, ISO_CURRENCY]
    period: Period
    basis: Literal["salary", "hourly", "commission", "tipped"] = "salary"
    scope: Short | None = Field(default=None, description="Where this range applies.")
    components: list[Component] = Field(default_factory=_base_only, max_length=3)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if not is_currency(value):
            raise ValueError(f"{value} is not an ISO 4217 currency code")
        return value

    @field_validator("max")
    @classmethod
    def _ordered(cls, value: float | None, info: ValidationInfo) -> float | None:
        # A field check, not a model check: reported even when another field is invalid.
        low = info.data.get("min")
        if value is not None and low is not None and low > value:
            raise ValueError("min is above max")
        return value

    @model_validator(mode="after")
    def _plausible(self) -> PayRangeIn:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        problems = [
            ((name,), "implausible_pay", problem, amount)
            for name, amount in (("min", self.min), ("max", self.max))
            if amount is not None
            and (problem := pay.implausible(amount, self.period, self.currency))
        ]
        if problems:
            raise errors_at(type(self).__name__, *problems)
        return self


class LocationIn(RequestModel):
    city: Annotated[str, Text(100, min_length=1)]
    # The country before the region: the region's check reads it.
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), ISO_COUNTRY]
    region: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")] | None = None
    city_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3}$")] | None = None

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if not is_country(value):
            raise ValueError(f"{value} is not an ISO 3166-1 country code")
        return value

    @field_validator("region")
    @classmethod
    def _in_country(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is not None and country is not None and not value.startswith(country + "-"):
            raise ValueError(f"region {value} is not in {country}")
        return value


def _known_place(code: str) -> str:
    if not is_jurisdiction(code):
        raise ValueError(f"{code} is not a known country, region or EU")
    return code


Jurisdiction = Annotated[
    str,
    StringConstraints(pattern=r"^(EU|[A-Z]{2}(-[A-Z0-9]{1,3})?)$"),
    AfterValidator(_known_place),
    JURISDICTION,
]


class Question(RequestModel):
    """A screening question, answered on apply as ``{question_id, value}``."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,64}$")]
    text: Short
    kind: Literal["text", "yes_no", "choice", "number"]
    required: bool = False
    choices: list[Short] | None = Field(default=None, max_length=50)
    min: float | None = None
    max: float | None = None

    @field_validator("text")
    @classmethod
    def _not_pay_history(cls, value: str) -> str:
        if asks_pay_history(value):
            raise ValueError("questions about pay history are not allowed; ask for expectations")
        return value

    @field_validator("max")
    @classmethod
    def _ordered(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("min")
        if value is not None and low is not None and low > value:
            raise ValueError("min is above max")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.kind == "choice" and not self.choices:
            raise errors_at(
                "Question", (("choices",), "missing", "a choice question needs choices", None)
            )
        if self.kind != "choice" and self.choices:
            raise errors_at(
                "Question",
                (("choices",), "unexpected", "only choice questions have choices", self.choices),
            )
        return self


def asks_pay_history(question: str) -> bool:
    """The checker's own pay-history pattern (vague.pay-history-question)."""
    from hireboard.checker.rules import packaged_rules

    rules = packaged_rules()
    return rules.patterns["vague.pay-history-question"].search(question) is not None


REQUIRED = ("title", "role_family", "level", "employment_type", "workplace_type", "description")


class PostingFields(RequestModel):
    """Every writable field, optional here; creation says which are required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=non_nullable(REQUIRED))

    title: Short | None = None
    role_family: RoleFamily | None = None
    level: Level | None = None
    employment_type: EmploymentType | None = None
    workplace_type: WorkplaceType | None = None
    remote_from: list[Jurisdiction] | None = Field(default=None, max_length=50)
    locations: list[LocationIn] | None = Field(default=None, max_length=50)
    description: Annotated[str, Text(50_000, min_length=1, multiline=True)] | None = None
    required_skills: list[Skill] | None = Field(default=None, max_length=30)
    nice_to_have_skills: list[Skill] | None = Field(default=None, max_length=30)
    years_experience: int | None = Field(default=None, ge=0, le=50)
    benefits: list[Short] | None = Field(default=None, max_length=30)
    closes_at: Timestamp | None = None
    apply_url: Url | None = None
    vacancy_exists: bool | None = None
    ai_screening: bool | None = None
    pay_ranges: list[PayRangeIn] | None = Field(default=None, max_length=10)
    annualisation_factors: dict[Period, Annotated[float, Field(gt=0, le=10_000)]] | None = None
    questions: list[Question] | None = Field(default=None, max_length=30)

    @field_validator(*REQUIRED, mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Left out: the template's or the posting's value stays; `null` would clear a field
        # every posting has (a NOT NULL column).
        if value is None:
            raise ValueError("must not be null")
        return value

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, value: list[Question] | None) -> list[Question] | None:
        ids = [q.id for q in value or []]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        return value

    @field_validator("description")
    @classmethod
    def _no_script(cls, value: str | None) -> str | None:
        if value is not None and (found := _UNSAFE.search(value)):
            raise ValueError(f"markup that could run script is not allowed: {found.group(0)!r}")
        return value

    @field_validator("closes_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone (RFC 3339, e.g. 2026-12-31T23:59:00Z)")
        return value


_EXAMPLE: dict[str, Any] = {
    "title": "Senior Backend Engineer",
    "role_family": "backend-engineer",
    "level": "senior",
    "employment_type": "full_time",
    "workplace_type": "hybrid",
    "locations": [{"city": "Denver", "region": "US-CO", "country": "US"}],
    "description": "## About the role\nYou will build our billing APIs...",
    "required_skills": ["Python", "Postgres"],
    "pay_ranges": [{"min": 150000, "max": 180000, "currency": "USD", "period": "year"}],
    "benefits": ["Health, dental and vision insurance", "401(k) with match"],
    "closes_at": "2027-01-31T23:59:00Z",
}


def _create_schema(schema: dict[str, Any]) -> None:
    non_nullable(REQUIRED)(schema)
    schema["examples"] = [_EXAMPLE]
    # What _required checks: every required field, or a template and the rest.
    schema["anyOf"] = [
        present(*REQUIRED),
        present("template_id", "level", "employment_type", "workplace_type"),
    ]


class PostingCreate(PostingFields):
    template_id: Annotated[str, Text(64, min_length=1)] | None = Field(
        default=None,
        description="Fill title, role family, description and skills from this template "
        "rendered for `level`; fields sent here win.",
    )

    model_config = ConfigDict(extra="forbid", json_schema_extra=_create_schema)

    @model_validator(mode="after")
    def _required(self) -> PostingCreate:
        needed: tuple[str, ...] = ("level", "employment_type", "workplace_type")
        if self.template_id is None:
            needed = REQUIRED
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise errors_at(
                "PostingCreate",
                *(((name,), "missing", "Field required", None) for name in missing),
            )
        return self


class PostingUpdate(PostingFields):
    """PATCH: the fields sent replace the posting's; ``null`` clears an optional one."""


class PayRangeOut(BaseModel):
    min: float | None
    max: float | None
    currency: str
    period: Period
    basis: str
    scope: str | None
    components: list[str]
    annual_min: float | None = Field(description="min in a year, with the posting's factors")
    annual_max: float | None


class OrganizationRef(BaseModel):
    id: uuid.UUID
    name: str
    website: str | None
    logo_url: str | None


class Posting(BaseModel):
    id: uuid.UUID
    organization: OrganizationRef
    status: Status
    title: str
    role_family: str
    level: str
    employment_type: str
    workplace_type: str
    remote_from: list[str]
    locations: list[dict[str, Any]]
    description: str
    required_skills: list[str]
    nice_to_have_skills: list[str]
    years_experience: int | None
    benefits: list[str]
    closes_at: datetime | None
    apply_url: str | None
    vacancy_exists: bool | None
    ai_screening: bool | None
    pay_ranges: list[PayRangeOut]
    annualisation_factors: dict[str, float]
    questions: list[dict[str, Any]]
    template_id: uuid.UUID | None
    template_version: int | None
    published_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    url: str


class HistoryEntry(BaseModel):
    id: int
    action: str
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    changes: dict[str, Any]
    created_at: datetime


class ReportCreate(RequestModel):
    reason: Literal["spam", "scam", "discriminatory", "misleading_pay", "closed_position", "other"]
    details: Annotated[str, Text(2000, multiline=True)] | None = None


class Report(BaseModel):
    id: uuid.UUID
    posting_id: uuid.UUID
    reason: str
    details: str | None
    created_at: datetime
