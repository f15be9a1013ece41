"""Rendering a template for one level, with placeholder values, as Markdown, HTML, text or JSON.

All four come from one list of blocks, so they say the same thing. Markdown is the
copy-ready form for an ATS; HTML is made from it by markdown-it with raw HTML switched
off (anything a value smuggles in is escaped, and unsafe link schemes are dropped).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from markdown_it import MarkdownIt

from hireboard.templates.content import PLACEHOLDER, LevelVariant, TemplateContent

Format = Literal["markdown", "html", "text", "json"]
MEDIA_TYPES: dict[Format, str] = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "text": "text/plain; charset=utf-8",
    "json": "application/json",
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!])")
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


@dataclass
class Block:
    heading: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def fill(text: str, values: Mapping[str, str], *, escape: bool) -> str:
    """Placeholders with a value are replaced; the others stay visible as ``{name}``."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        if found is None:
            return match.group(0)
        return _MARKDOWN_SPECIAL.sub(r"\\\1", found) if escape else found

    return PLACEHOLDER.sub(value, text)


def _years(variant: LevelVariant) -> str:
    years = variant.years_experience
    if years.max is None:
        return f"{years.min}+ years of relevant experience"
    return f"{years.min}-{years.max} years of relevant experience"


def blocks(content: TemplateContent, variant: LevelVariant | None) -> tuple[str, list[Block]]:
    """The posting's title and its blocks, before placeholders are filled."""
    title = variant.title if variant else content.title
    out = [Block(paragraphs=[content.sections.about_company, content.summary])]
    if variant:
        out.append(Block(paragraphs=[variant.summary]))
    out.append(Block(paragraphs=[content.reporting_line]))
    duties = [*content.responsibilities, *(variant.duties if variant else [])]
    out.append(Block("What you will do", items=duties))
    must = [*content.must_have_skills, *([_years(variant)] if variant else [])]
    out.append(Block("What you bring", items=must))
    if content.nice_to_have_skills:
        out.append(Block("Nice to have", items=list(content.nice_to_have_skills)))
    if content.tools:
        out.append(Block("Tools and technology", paragraphs=[", ".join(content.tools) + "."]))
    if content.kpis:
        out.append(
            Block("How success is measured", items=[f"{k.name}: {k.target}" for k in content.kpis])
        )
    out.append(Block("Pay", paragraphs=[content.sections.pay]))
    out.append(Block("Benefits", paragraphs=[content.sections.benefits]))
    out.append(Block("How to apply", paragraphs=[content.sections.how_to_apply]))
    return title, out


def to_markdown(title: str, parts: list[Block], values: Mapping[str, str]) -> str:
    lines = [f"# {fill(title, values, escape=True)}", ""]
    for block in parts:
        if block.heading:
            lines += [f"## {block.heading}", ""]
        for paragraph in block.paragraphs:
            lines += [fill(paragraph, values, escape=True), ""]
        if block.items:
            lines += [f"- {fill(item, values, escape=True)}" for item in block.items] + [""]
    return "\n".join(lines).rstrip() + "\n"


def to_text(title: str, parts: list[Block], values: Mapping[str, str]) -> str:
    lines = [fill(title, values, escape=False), ""]
    for block in parts:
        if block.heading:
            lines += [block.heading.upper(), ""]
        lines += [line for p in block.paragraphs for line in (fill(p, values, escape=False), "")]
        if block.items:
            lines += [f"- {fill(item, values, escape=False)}" for item in block.items] + [""]
    return "\n".join(lines).rstrip() + "\n"


def render(
    content: TemplateContent,
    variant: LevelVariant | None,
    values: Mapping[str, str],
    output: Format,
) -> str:
    title, parts = blocks(content, variant)
    if output == "markdown":
        return to_markdown(title, parts, values)
    if output == "html":
        return str(_markdown.render(to_markdown(title, parts, values)))
    if output == "text":
        return to_text(title, parts, values)
    document: dict[str, Any] = {
        "title": fill(title, values, escape=False),
        "level": variant.level if variant else None,
        "sections": [
            {
                "heading": block.heading,
                "paragraphs": [fill(p, values, escape=False) for p in block.paragraphs],
                "items": [fill(i, values, escape=False) for i in block.items],
            }
            for block in parts
        ],
        "unfilled_placeholders": sorted(
            name for name in content.placeholders if name not in values
        ),
    }
    return json.dumps(document, ensure_ascii=False)
