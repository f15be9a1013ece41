"""Bodies of the checker API. Nothing a client sends here is stored."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hireboard.checker.jurisdictions import cities, close_matches, is_known
from hireboard.checker.rules import Family, Severity
from hireboard.kit.jsonschema import present
from hireboard.kit.text import Day, RequestModel, Text, Timestamp


def _known(code: str) -> str:
    """A well-formed code that names nothing (``US-C0``) would silently check no law."""
    if is_known(code):
        return code
    matches = close_matches(code)
    hint = f"; close matches: {', '.join(matches)}" if matches else ""
    if not matches and code.count("-") == 2:
        hint = f"; cities with rules of their own: {', '.join(sorted(cities()))}; else the region"
    raise PydanticCustomError(
        "unknown_jurisdiction",
        "unknown jurisdiction {code}{hint}",
        {"code": code, "hint": hint, "close_matches": matches},
    )


Jurisdiction = Annotated[
    str,
    StringConstraints(pattern=r"^(EU|[A-Z]{2}(-[A-Z0-9]{1,3}(-[A-Z0-9]{3})?)?)$"),
    AfterValidator(_known),
]


class PayRange(RequestModel):
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    period: Literal["hour", "day", "week", "month", "year"] | None = None
    basis: Literal["salary", "hourly", "commission", "tipped"] = "salary"
    scope: Annotated[str, Text(200)] | None = None
    components: list[Literal["base", "bonus", "equity"]] | None = None


class Location(RequestModel):
    city: Annotated[str, Text(200)] | None = None
    region: Jurisdiction | None = None
    country: (
        Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_known)] | None
    ) = None
    city_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3}$")] | None = None


class PostingFacts(RequestModel):
    """The structured parts of a posting the laws look at."""

    title: Annotated[str, Text(300)] | None = None
    description: Annotated[str, Text(200_000, multiline=True, strip=False, crlf=True)] | None = None
    employment_type: (
        Literal["full_time", "part_time", "contract", "temporary", "internship"] | None
    ) = None
    workplace_type: Literal["onsite", "hybrid", "remote"] | None = None
    locations: list[Location] = Field(default_factory=list, max_length=50)
    remote_from: list[Jurisdiction] = Field(default_factory=list, max_length=50)
    pay_ranges: list[PayRange] = Field(default_factory=list, max_length=20)
    benefits: (
        Annotated[str, Text(20_000, multiline=True)]
        | Annotated[list[Annotated[str, Text(2000)]], Field(max_length=100)]
        | None
    ) = None
    closes_at: Day | Timestamp | None = None
    vacancy_exists: bool | None = None
    ai_screening: bool | None = None


class CheckRequest(RequestModel):
    text: Annotated[str, Text(200_000, multiline=True, strip=False, crlf=True)] | None = None
    posting: PostingFacts | None = None
    jurisdictions: list[Jurisdiction] | None = Field(
        default=None,
        max_length=50,
        description="Default: those the posting's locations and remote scope reach.",
    )
    employer_headcount: int | None = Field(default=None, ge=0, le=10_000_000)
    as_of: Day | None = Field(default=None, description="Default: today (UTC).")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Senior Data Engineer, Denver. Competitive salary. Up to $150,000.",
                    "jurisdictions": ["US-CO"],
                    "employer_headcount": 120,
                    "as_of": "2026-11-23",
                }
            ],
            # What _has_text checks.
            "anyOf": [present("text"), present(posting=present("description"))],
        },
    )

    @model_validator(mode="after")
    def _has_text(self) -> CheckRequest:
        if self.text is None and (self.posting is None or self.posting.description is None):
            raise ValueError("send text, or a posting with a description")
        return self

    def full_text(self) -> str:
        if self.text is not None:
            return self.text
        assert self.posting is not None and self.posting.description is not None  # noqa: S101
        return self.posting.description

    def posting_facts(self) -> dict[str, Any]:
        return self.posting.model_dump(mode="json", exclude_none=True) if self.posting else {}


class FindingOut(BaseModel):
    rule_id: str
    family: Family
    severity: Severity
    start: int = Field(description="Code-point offset into `text` (0 and 0: something missing).")
    end: int
    message: str
    fix: str
    sources: list[str]


class FamilyScore(BaseModel):
    score: int
    error: int
    warning: int
    notice: int


class CheckResponse(BaseModel):
    score: int = Field(description="0-100; see docs/checker.md for how it is computed.")
    families: dict[str, FamilyScore]
    findings: list[FindingOut]
    jurisdictions: list[str]
    as_of: date
    rules_version: str
    metrics: dict[str, float]


class RuleOut(BaseModel):
    id: str
    family: Family
    severity: Severity
    title: str
    message: str
    fix: str
    sources: list[str]
    confidence: str
    jurisdiction: str | None
    effective_from: date | None
    effective_until: date | None
    employer_min_headcount: int | None
    headcount_counted_in: str | None
    check: str


class RulesResponse(BaseModel):
    rules_version: str
    items: list[RuleOut]
