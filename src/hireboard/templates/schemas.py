"""Bodies of the templates API; unknown fields are refused (422)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hireboard.kit.jsonschema import non_nullable, present
from hireboard.kit.text import RequestModel, Text
from hireboard.templates.content import (
    Faq,
    Kpi,
    LevelVariant,
    Line,
    Name,
    PlaceholderName,
    Sections,
    TemplateContent,
)
from hireboard.templates.render import Format
from hireboard.vocabulary import Level, RoleFamily

TemplateRef = Annotated[str, Text(64, min_length=1)]


# What TemplateContent requires of the merged content, stated on the request bodies.
_REQUIRED = (
    "role_family",
    "title",
    "summary",
    "reporting_line",
    "responsibilities",
    "must_have_skills",
    "levels",
    "sections",
)
_BOUNDS = ("minItems", "maxItems")


def _content_rules(schema: dict[str, Any]) -> None:
    """No field may be ``null`` (the merged content has no optional field) and each list
    has the content's bounds."""
    non_nullable(name for name in schema["properties"] if name != "from_template_id")(schema)
    content = TemplateContent.model_json_schema()["properties"]
    for name, prop in schema["properties"].items():
        bounds = {k: v for k, v in content.get(name, {}).items() if k in _BOUNDS}
        prop.update(bounds)


def _create_rules(schema: dict[str, Any]) -> None:
    _content_rules(schema)
    schema["anyOf"] = [present("from_template_id"), present(*_REQUIRED)]


class TemplateFields(RequestModel):
    """Every content field, optional: PATCH changes those sent; POST fills in from a copy."""

    model_config = ConfigDict(json_schema_extra=_content_rules)

    role_family: RoleFamily | None = None
    title: Name | None = None
    summary: Line | None = None
    reporting_line: Line | None = None
    responsibilities: list[Line] | None = None
    must_have_skills: list[Name] | None = None
    nice_to_have_skills: list[Name] | None = None
    tools: list[Name] | None = None
    placeholders: list[PlaceholderName] | None = None
    levels: list[LevelVariant] | None = None
    kpis: list[Kpi] | None = None
    faq: list[Faq] | None = None
    sections: Sections | None = None


class TemplateCreate(TemplateFields):
    model_config = ConfigDict(json_schema_extra=_create_rules)

    from_template_id: TemplateRef | None = Field(
        default=None,
        description="Copy this template (a built-in's role-family id or a template id); "
        "fields sent here override the copy. Without it, every content field is required.",
    )


class Template(BaseModel):
    id: uuid.UUID
    builtin_id: str | None = Field(description="The role-family id of a built-in template.")
    organization_id: uuid.UUID | None
    role_family: str
    title: str
    version: int
    copied_from: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    content: TemplateContent


class TemplateSummary(BaseModel):
    id: uuid.UUID
    builtin_id: str | None
    organization_id: uuid.UUID | None
    role_family: str
    title: str
    version: int
    levels: list[Level]
    updated_at: datetime


class TemplateVersionSummary(BaseModel):
    version: int
    title: str
    created_by: uuid.UUID | None
    created_at: datetime


class TemplateVersion(BaseModel):
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    content: TemplateContent


class RenderRequest(RequestModel):
    level: Level | None = None
    format: Format = "markdown"
    values: dict[PlaceholderName, Annotated[str, Text(500, strip=False)]] = Field(
        default_factory=dict, max_length=30
    )
