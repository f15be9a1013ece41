"""Fixed vocabularies every domain shares (see the API conventions): ids clients rely on."""

from __future__ import annotations

from typing import Literal, get_args

RoleFamily = Literal[
    "backend-engineer",
    "frontend-engineer",
    "full-stack-engineer",
    "mobile-engineer",
    "data-engineer",
    "data-scientist",
    "ml-engineer",
    "site-reliability-engineer",
    "devops-engineer",
    "security-engineer",
    "qa-engineer",
    "engineering-manager",
    "product-manager",
    "product-designer",
]
ROLE_FAMILIES: tuple[RoleFamily, ...] = get_args(RoleFamily)

Level = Literal["intern", "junior", "mid", "senior", "staff", "principal"]
LEVELS: tuple[Level, ...] = get_args(Level)  # in order of seniority
