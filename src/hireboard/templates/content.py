"""The structure of a template, as the catalog files, the API and the database hold it."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from hireboard.kit.text import RequestModel, Text
from hireboard.vocabulary import LEVELS, Level, RoleFamily

Line = Annotated[str, Text(2000, min_length=1)]
Name = Annotated[str, Text(100, min_length=1)]
PlaceholderName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,39})\}")


class Strict(RequestModel):
    model_config = ConfigDict(frozen=True)


class Years(Strict):
    min: int = Field(ge=0, le=50)
    max: int | None = Field(default=None, ge=0, le=50)


class LevelVariant(Strict):
    level: Level
    title: Name
    years_experience: Years
    summary: Line
    duties: list[Line] = Field(min_length=1, max_length=20)


class Kpi(Strict):
    name: Name
    target: Line


class Faq(Strict):
    question: Line
    answer: Line


class Sections(Strict):
    """Copy around the role itself: the opening, pay, benefits and how to apply."""

    about_company: Line
    pay: Line
    benefits: Line
    how_to_apply: Line


class TemplateContent(Strict):
    role_family: RoleFamily
    title: Name
    summary: Line
    reporting_line: Line
    responsibilities: list[Line] = Field(min_length=1, max_length=30)
    must_have_skills: list[Name] = Field(min_length=1, max_length=15)
    nice_to_have_skills: list[Name] = Field(default_factory=list, max_length=15)
    tools: list[Name] = Field(default_factory=list, max_length=30)
    placeholders: list[PlaceholderName] = Field(default_factory=list, max_length=30)
    levels: list[LevelVariant] = Field(min_length=1, max_length=6)
    kpis: list[Kpi] = Field(default_factory=list, max_length=15)
    faq: list[Faq] = Field(default_factory=list, max_length=20)
    sections: Sections

    @model_validator(mode="after")
    def _consistent(self) -> TemplateContent:
        order = [LEVELS.index(v.level) for v in self.levels]
        if order != sorted(set(order)):
            raise ValueError("levels must be distinct and in order of seniority")
        used = set(PLACEHOLDER.findall(self.model_dump_json()))
        unlisted = used - set(self.placeholders)
        if unlisted:
            raise ValueError(f"placeholders used but not listed: {sorted(unlisted)}")
        return self

    def variant(self, level: Level) -> LevelVariant | None:
        return next((v for v in self.levels if v.level == level), None)

    @property
    def level_ids(self) -> list[Level]:
        return [v.level for v in self.levels]
