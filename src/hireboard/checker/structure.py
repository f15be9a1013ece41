"""The structure of a description: plain-text headings, sections, and the must-have
requirements a section lists (issue 22, items 3 and 5).

Headings in Markdown (``## What you bring``) and lines ending in ":" are found by
``text.HEADING``. Descriptions pasted from a careers page or a PDF often have neither: their
headings are plain short lines ("What you bring", "Ihre Aufgaben", "Wymagania") followed by
a list or a paragraph. Lines are walked in Python here (linear, no regex), so no pattern can
backtrack over a hostile text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from hireboard.checker.limits import Bounded, bounded
from hireboard.checker.text import Span
from hireboard.reference import normalise_skill, skill_category, skill_pattern_sources

PLAIN_HEADING_MAX_CHARS = 60
PLAIN_HEADING_MAX_WORDS = 8
_BULLET_MARKERS = ("-", "*", "\u2022", "+", "\u2013", "\u25aa", "\u00b7")
_SENTENCE_END = (".", ",", ";", "!", "?", ":")
# Reading skills costs about 6 microseconds a character (a thousand spellings): only the
# first bullets of the must-have sections are read, each up to a line's worth.
MAX_ITEMS_READ = 60
MAX_ITEM_CHARS = 300


@dataclass(frozen=True)
class Line:
    start: int
    end: int  # without the newline
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Section:
    title: str  # lower case
    heading: Span
    body: Span  # from the end of the heading to the next heading (or the end)


def lines(text: str) -> list[Line]:
    """Every line with its offsets (a ``\\r`` before the newline stays in the line)."""
    found, start = [], 0
    for piece in text.split("\n"):
        found.append(Line(start, start + len(piece), piece))
        start += len(piece) + 1
    return found


def is_bullet(line: str) -> bool:
    """A list item: a bullet marker or "1." / "1)" and a space."""
    stripped = line.lstrip()
    if stripped[:1] in _BULLET_MARKERS and stripped[1:2] in (" ", "\t"):
        return True
    digits = len(stripped) - len(stripped.lstrip("0123456789"))
    return (
        0 < digits <= 2
        and stripped[digits : digits + 1] in (".", ")")
        and (stripped[digits + 1 : digits + 2] in (" ", "\t"))
    )


def _unbolded(stripped: str) -> str:
    """A line set in bold ("**What you bring**", "__Requirements:__") without the marks
    and a final colon: bold lines are headings in text pasted from Markdown editors."""
    for mark in ("**", "__"):
        if len(stripped) > 4 and stripped.startswith(mark) and stripped.endswith(mark):
            inner = stripped[2:-2].strip()
            return inner[:-1].rstrip() if inner.endswith(":") else inner
    return stripped


def _looks_like_heading(stripped: str) -> bool:
    """Short, capitalised, no sentence or key-value punctuation, not a list item."""
    if not 2 <= len(stripped) <= PLAIN_HEADING_MAX_CHARS or not stripped[0].isupper():
        return False
    if stripped.endswith(_SENTENCE_END) or ":" in stripped or is_bullet(stripped):
        return False
    return len(stripped.split()) <= PLAIN_HEADING_MAX_WORDS


def plain_headings(text: str) -> list[tuple[str, Span]]:
    """Short lines after a blank line (or the start) and directly followed by a paragraph
    or a list, or followed by a list after blank lines. The description's first line is
    its title, not a section heading, and is skipped."""
    all_lines = lines(text)
    found: list[tuple[str, Span]] = []
    seen_text = False
    for index, line in enumerate(all_lines):
        if line.blank:
            continue
        first, seen_text = not seen_text, True
        if first or (index > 0 and not all_lines[index - 1].blank):
            continue
        title = _unbolded(line.stripped)
        if not _looks_like_heading(title) or not _followed_by_content(all_lines, index):
            continue
        found.append((title.lower(), Span(line.start, line.end)))
    return found


def _followed_by_content(all_lines: list[Line], index: int) -> bool:
    following = all_lines[index + 1 : index + 4]
    if following and not following[0].blank:
        return True
    after_blank = next((line for line in following if not line.blank), None)
    return after_blank is not None and is_bullet(after_blank.text)


def sections(text: str, headings: list[tuple[str, Span]]) -> list[Section]:
    """Each heading with the text up to the next one."""
    ordered = sorted(headings, key=lambda h: h[1].start)
    found = []
    for position, (title, span) in enumerate(ordered):
        end = ordered[position + 1][1].start if position + 1 < len(ordered) else len(text)
        found.append(Section(title, span, Span(min(span.end, end), end)))
    return found


def must_have_items(
    text: str, found: list[Section], headings: Iterable[str], optional: Iterable[str]
) -> list[Span]:
    """The list items of the sections titled as requirements (a word of ``headings``) but
    not as optional ones (a word of ``optional``: "nice to have", "a plus"), leaving out
    items that call themselves optional."""
    wanted = [h.lower() for h in headings]
    extra = [o.lower() for o in optional]
    items = []
    for section in found:
        if not any(w in section.title for w in wanted) or any(o in section.title for o in extra):
            continue
        body = text[section.body.start : section.body.end]
        for line in lines(body):
            lowered = line.text.lower()
            if is_bullet(line.text) and not any(o in lowered for o in extra):
                start = section.body.start + line.start
                items.append(Span(start, section.body.start + line.end))
    return items


@cache
def skill_finders() -> tuple[Bounded, Bounded]:
    loose, exact = skill_pattern_sources()
    return bounded(loose, re.IGNORECASE), bounded(exact)


def skills_in(pieces: Iterable[str]) -> list[str]:
    """The taxonomy skills the pieces mention, by first mention, normalised."""
    found: dict[str, None] = {}
    loose, exact = skill_finders()
    for piece in _capped(pieces):
        matches = sorted([*loose.finditer(piece), *exact.finditer(piece)], key=lambda m: m.start())
        for match in matches:
            found.setdefault(normalise_skill(match.group(0)), None)
    return list(found)


def _capped(pieces: Iterable[str]) -> Iterator[str]:
    for count, piece in enumerate(pieces):
        if count >= MAX_ITEMS_READ:
            return
        yield piece[:MAX_ITEM_CHARS]


def normalised(skills: Iterable[str]) -> list[str]:
    """The taxonomy names, in order, without duplicates."""
    return list(dict.fromkeys(normalise_skill(skill) for skill in skills))


def by_family(skills: Iterable[str], families: Iterable[str]) -> dict[str, list[str]]:
    """The skills grouped by taxonomy category, keeping only the given categories."""
    kept = set(families)
    grouped: dict[str, list[str]] = {}
    for skill in skills:
        category = skill_category(skill)
        if category in kept:
            grouped.setdefault(category, []).append(skill)
    return grouped
