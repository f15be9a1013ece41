"""Rules as data: YAML files shipped in ``rules/``, plus an operator directory that adds or
overrides rules by id (``HIREBOARD_CHECKER_RULES_DIR``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field

from hireboard.checker.limits import Bounded, bounded

Severity = Literal["error", "warning", "notice"]
Family = Literal[
    "pay_transparency",
    "vague_pay",
    "gender_coded",
    "exclusionary",
    "realism",
    "readability",
    "completeness",
    "keyword_stuffing",
]
FAMILIES: tuple[Family, ...] = get_args(Family)
Check = Literal[
    # law requirements about the posting's content
    "pay_range_present",
    "pay_range_closed",
    "pay_period_stated",
    "benefits_present",
    "deadline_present",
    "vacancy_status_present",
    "ai_disclosure_present",
    "commission_or_tipped_stated",
    "pay_spread_max",
    # wording
    "phrases",
    "regex",
    # computed (see checker.engine)
    "word_count_min",
    "word_count_max",
    "reading_ease_min",
    "you_ratio_min",
    "section_present",
    "location_present",
    "employment_type_present",
    "term_repetition",
    "technology_age",
    "gender_coded_balance",
    "requirements_count_max",
    "stack_breadth_max",
]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "notice": 2}


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = ""
    posting: dict[str, Any] = Field(default_factory=dict)
    jurisdictions: list[str] | None = None
    employer_headcount: int | None = None
    as_of: date | None = None


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    trigger: list[Example] = Field(min_length=1)
    passing: list[Example] = Field(min_length=1, alias="pass")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
    family: Family
    severity: Severity
    title: str
    message: str
    fix: str
    sources: list[str] = Field(min_length=1)
    confidence: Literal["high", "medium", "verify"] = "high"
    notes: str | None = None
    jurisdiction: str | None = None
    effective_from: date | None = None
    effective_until: date | None = None
    employer_min_headcount: int | None = None
    headcount_counted_in: Literal["jurisdiction", "anywhere"] | None = None
    check: Check
    params: dict[str, Any] = Field(default_factory=dict)
    examples: Examples

    @property
    def is_law(self) -> bool:
        return self.jurisdiction is not None

    def in_force(self, on: date) -> bool:
        starts = self.effective_from is None or self.effective_from <= on
        return starts and (self.effective_until is None or on <= self.effective_until)


@dataclass(frozen=True)
class Technology:
    name: str
    aliases: tuple[str, ...]
    first_release: date
    pattern: Bounded
    # The first word of each name, lower-cased: the pattern cannot match a window that
    # lacks all of them, which spares most searches (None: some name starts otherwise).
    first_words: frozenset[str] | None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    masculine: tuple[str, ...]
    feminine: tuple[str, ...]
    technologies: tuple[Technology, ...]
    version: str
    patterns: dict[str, Bounded]  # phrases and regex rules, compiled at load
    lowered: dict[str, Bounded]  # phrases again, for lower-cased text
    # For each phrase rule, the first word of each phrase (and whether it is a prefix): a
    # phrase cannot match unless that word is in the text, which skips most rules cheaply.
    first_words: dict[str, tuple[tuple[str, bool], ...]]

    def by_id(self, rule_id: str) -> Rule:
        return next(rule for rule in self.rules if rule.id == rule_id)


def phrase_pattern(phrases: list[str], *, lowered: bool = False) -> Bounded:
    """Whole words, any case; a space matches any whitespace; ``word*`` matches word-prefixes.

    ``lowered``: for matching lower-cased text without IGNORECASE, which is several times
    faster (see ``Text.lowered``)."""
    parts = []
    for phrase in phrases:
        phrase = phrase.lower() if lowered else phrase
        words = [
            re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in phrase.split()
        ]
        parts.append(r"\s+".join(words))
    flags = 0 if lowered else re.IGNORECASE
    return bounded(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", flags)


def compiled(rule: Rule) -> Bounded | None:
    """Bounded (``checker.limits``): an operator's unbounded repeats are capped too."""
    if rule.check == "phrases":
        return phrase_pattern(list(rule.params["phrases"]))
    if rule.check == "regex":
        return bounded(str(rule.params["pattern"]))
    return None


_ESCAPES_AND_NAMES = re.compile(r"\\[A-Za-z]|\(\?P<[^>]+>|\(\?P=[^)]+\)")


def lowered_pattern(rule: Rule) -> Bounded | None:
    """The rule's pattern for lower-cased text without IGNORECASE, when that is equivalent:
    phrase rules always; regex rules that are case-insensitive throughout (a leading
    ``(?i)``) and spell nothing in upper case."""
    if rule.check == "phrases":
        return phrase_pattern(list(rule.params["phrases"]), lowered=True)
    if rule.check != "regex":
        return None
    pattern = str(rule.params["pattern"])
    if not pattern.startswith("(?i)"):
        return None
    body = pattern[4:]
    if "(?-i" in body or any(c.isupper() for c in _ESCAPES_AND_NAMES.sub("", body)):
        return None
    return bounded(body)


_RUN = re.compile(r"\w+")


def _first_words(phrases: list[str]) -> tuple[tuple[str, bool], ...] | None:
    """The first run of word characters of each phrase, and whether a ``*`` follows it;
    None when some phrase starts with punctuation (then the rule always runs)."""
    keys = []
    for phrase in phrases:
        lowered = phrase.lower()
        run = _RUN.match(lowered)
        if run is None:
            return None
        keys.append((run.group(0), lowered[run.end() : run.end() + 1] == "*"))
    return tuple(keys)


def _rule_files(directory: Path | Any) -> list[Any]:
    return sorted(
        (entry for entry in directory.iterdir() if entry.name.endswith(".yaml")),
        key=lambda entry: entry.name,
    )


# libyaml's safe loader when the wheel has it (10x faster), else PyYAML's own.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load_rules(extra_dir: Path | None = None) -> RuleSet:
    """The packaged rules, then the operator's: a rule with a known id replaces it.

    Read once per process and directory (rules change with a release or a restart)."""
    packaged = resources.files("hireboard.checker").joinpath("rules")
    digest = hashlib.sha256()
    rules: dict[str, Rule] = {}
    words: dict[str, Any] = {}
    technologies: list[Technology] = []
    sources = [(packaged, f) for f in _rule_files(packaged)]
    if extra_dir is not None:
        sources += [(extra_dir, f) for f in _rule_files(extra_dir)]
    for _, entry in sources:
        raw = entry.read_text(encoding="utf-8")
        digest.update(entry.name.encode() + b"\0" + raw.encode())
        data = yaml.load(raw, Loader=_LOADER)  # noqa: S506 - a safe loader (C or Python)
        if entry.name == "gender_coded_words.yaml":
            words = data
        elif entry.name == "technology_first_release.yaml":
            technologies = [_technology(row) for row in data]
        else:
            for item in data or []:
                rule = Rule.model_validate(item)
                rules[rule.id] = rule
    patterns = {r.id: p for r in rules.values() if (p := compiled(r)) is not None}
    lowered = {r.id: p for r in rules.values() if (p := lowered_pattern(r)) is not None}
    first_words = {
        r.id: keys
        for r in rules.values()
        if r.check == "phrases" and (keys := _first_words(r.params["phrases"])) is not None
    }
    return RuleSet(
        first_words=first_words,
        patterns=patterns,
        lowered=lowered,
        rules=tuple(rules.values()),
        masculine=tuple(words.get("masculine", ())),
        feminine=tuple(words.get("feminine", ())),
        technologies=tuple(technologies),
        version=digest.hexdigest()[:12],
    )


def _technology(row: dict[str, Any]) -> Technology:
    names = [row["name"], *row.get("aliases", [])]
    pattern = bounded(
        r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])",
        re.IGNORECASE if len(row["name"]) > 4 else 0,
    )
    keys = _first_words(names)
    return Technology(
        name=row["name"],
        aliases=tuple(row.get("aliases", [])),
        first_release=date.fromisoformat(row["first_release"]),
        pattern=pattern,
        first_words=None if keys is None else frozenset(word for word, _ in keys),
    )


def packaged_rules() -> RuleSet:
    return load_rules(None)
