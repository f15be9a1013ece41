"""The built-in catalog: one TOML file per role family in ``catalog/`` (package data)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from hireboard.templates.content import TemplateContent

CATALOG_SCHEMA_VERSION = 1


@cache
def builtin_templates() -> dict[str, TemplateContent]:
    """Every built-in template by its id (the role-family id), validated."""
    templates: dict[str, TemplateContent] = {}
    catalog = resources.files("hireboard.templates").joinpath("catalog")
    for entry in sorted(catalog.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        template_id = data.pop("id")
        if data.pop("schema_version") != CATALOG_SCHEMA_VERSION or template_id != entry.name[:-5]:
            raise ValueError(f"{entry.name}: wrong schema_version or id")
        templates[template_id] = TemplateContent.model_validate(data)
    return templates
