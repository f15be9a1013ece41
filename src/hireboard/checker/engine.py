"""Running the rules over a description: findings with exact spans, and scores.

Scoring (documented in docs/checker.md): each family starts at 100 and loses 30 per
error, 10 per warning and 3 per notice (never below 0). The overall score is the mean of
the family scores weighted by ``WEIGHTS``, and at most 60 while any error remains.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache, cached_property
from typing import Any

from hireboard.checker import jurisdictions as places
from hireboard.checker import structure
from hireboard.checker.limits import MAX_TEXT_CHARS, Bounded, bounded
from hireboard.checker.rules import FAMILIES, SEVERITY_ORDER, Rule, RuleSet, Technology
from hireboard.checker.text import (
    AI_USE,
    BENEFITS,
    COMMISSION,
    DEADLINE,
    DOLLAR_CURRENCIES,
    EMPLOYMENT_TYPE,
    FIRST_LINE,
    PAY_PERIOD,
    PERIOD,
    TIPS,
    TITLE_PLACE,
    VACANCY,
    WORKPLACE,
    YEARS,
    Span,
    Text,
)

PENALTY = {"error": 30, "warning": 10, "notice": 3}
WEIGHTS = {
    "pay_transparency": 3,
    "vague_pay": 1,
    "gender_coded": 1,
    "exclusionary": 1,
    "realism": 1,
    "readability": 1,
    "completeness": 2,
    "keyword_stuffing": 1,
}
ERROR_CAP = 60
PERIODS_PER_YEAR = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}
STOPWORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "also",
        "and",
        "any",
        "are",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "can",
        "could",
        "did",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "here",
        "how",
        "into",
        "its",
        "itself",
        "just",
        "like",
        "more",
        "most",
        "must",
        "our",
        "ours",
        "over",
        "own",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "your",
        "yours",
        "you",
        "team",
        "work",
        "working",
        "role",
        "will",
        "years",
        "experience",
    ]
)


@dataclass(frozen=True)
class CheckInput:
    text: str
    posting: Mapping[str, Any] = field(default_factory=dict)
    jurisdictions: list[str] | None = None
    employer_headcount: int | None = None
    as_of: date | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    family: str
    severity: str
    start: int
    end: int
    message: str
    fix: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    score: int
    families: dict[str, dict[str, int]]
    findings: list[Finding]
    jurisdictions: list[str]
    as_of: date
    rules_version: str
    metrics: dict[str, float]


@dataclass
class _Context:
    text: Text
    posting: Mapping[str, Any]
    reach: set[str]
    headcount: int | None
    as_of: date
    rules: RuleSet

    @property
    def ranges(self) -> list[Mapping[str, Any]]:
        return [r for r in self.posting.get("pay_ranges") or [] if isinstance(r, Mapping)]

    @cached_property
    def headings(self) -> list[tuple[str, Span]]:
        """Markdown and "Title:" headings, and plain-text ones (``structure``), in order."""
        marked = self.text.headings
        taken = {span.start for _, span in marked}
        plain = [h for h in structure.plain_headings(self.text.text) if h[1].start not in taken]
        return sorted([*marked, *plain], key=lambda h: h[1].start)

    @cached_property
    def sections(self) -> list[structure.Section]:
        return structure.sections(self.text.text, self.headings)

    @cached_property
    def has_closed_range(self) -> bool:
        """A range with both ends, structured or written in the text."""
        structured = any(r.get("min") is not None and r.get("max") is not None for r in self.ranges)
        written = any(f.low is not None and f.high is not None for f in self.text.pay_figures)
        return structured or written

    def has_pay(self) -> bool:
        structured = any(r.get("min") is not None or r.get("max") is not None for r in self.ranges)
        return structured or bool(self.text.money) or bool(self.text.pay_figures)


def context_for(rules: RuleSet, request: CheckInput) -> _Context:
    """What every check reads: the analysed text, the reach, the date."""
    if len(request.text) > MAX_TEXT_CHARS:  # callers validate; the bounds rely on it
        raise ValueError(f"text longer than {MAX_TEXT_CHARS} characters")
    return _Context(
        text=Text(request.text),
        posting=request.posting,
        reach=places.reach(_chosen(request)),
        headcount=request.employer_headcount,
        as_of=request.as_of or datetime.now(UTC).date(),
        rules=rules,
    )


def _chosen(request: CheckInput) -> list[str]:
    if request.jurisdictions is not None:
        return request.jurisdictions
    return places.from_posting(request.posting)


def run(rules: RuleSet, request: CheckInput) -> Result:
    """CPU-bound (up to a second at ``MAX_TEXT_CHARS``): async callers run it in a thread."""
    context = context_for(rules, request)
    chosen, as_of = _chosen(request), context.as_of
    findings: list[Finding] = []
    spans: dict[tuple[str, str], list[Span]] = {}
    for rule in rules.rules:
        severity, note = _applies(rule, context)
        if severity is None:
            continue
        if rule.params.get("unless_closed_range") and context.has_closed_range:
            continue  # "depending on experience" beside the range it moves within
        key = (rule.check, repr(sorted(rule.params.items())))
        if key not in spans:  # many rules share a check (the same regex, several states)
            spans[key] = list(CHECKS[rule.check](rule, context))
        findings.extend(
            Finding(
                rule_id=rule.id,
                family=rule.family,
                severity=severity,
                start=span.start,
                end=span.end,
                message=rule.message + span.note + note,
                fix=rule.fix,
                sources=tuple(rule.sources),
            )
            for span in spans[key]
        )
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.start, f.rule_id))
    families = _family_scores(findings)
    return Result(
        score=_overall(families, findings),
        families=families,
        findings=findings,
        jurisdictions=sorted(chosen),
        as_of=as_of,
        rules_version=rules.version,
        metrics={
            "word_count": len(context.text.words),
            "reading_ease": round(context.text.reading_ease(), 1),
            "grade_level": round(context.text.grade_level(), 1),
            "you_per_100_words": round(context.text.you_per_100, 1),
        },
    )


def _applies(rule: Rule, context: _Context) -> tuple[str | None, str]:
    """The severity to report the rule with (None: it does not apply), and a note."""
    if not rule.is_law:
        return rule.severity, ""
    if rule.jurisdiction not in context.reach or not rule.in_force(context.as_of):
        return None, ""
    threshold = rule.employer_min_headcount
    if threshold is None:
        return rule.severity, ""
    if context.headcount is None:
        where = "in the jurisdiction" if rule.headcount_counted_in == "jurisdiction" else ""
        note = (
            f" This applies to employers with {threshold} or more employees {where}; "
            "the headcount is unknown, so this is a warning."
        ).replace("  ", " ")
        return ("warning" if rule.severity == "error" else rule.severity), note
    return (rule.severity if context.headcount >= threshold else None), ""


# --- the checks: each yields the spans of its findings ---------------------------------------

WHOLE = Span(0, 0)  # something missing: there is nothing in the text to point at
Checker = Callable[[Rule, _Context], Iterable[Span]]


def _missing(present: bool) -> list[Span]:
    return [] if present else [WHOLE]


def _pay_range_present(rule: Rule, context: _Context) -> list[Span]:
    return _missing(context.has_pay())


def _pay_range_closed(rule: Rule, context: _Context) -> list[Span]:
    """Open-ended figures, unless the posting also states a closed range: "a minimum of
    EUR 3,600 (the collective agreement's); our band is EUR 3,600 - 4,600" is complete."""
    half = [r for r in context.ranges if (r.get("min") is None) != (r.get("max") is None)]
    if half:
        return [WHOLE]
    return [] if context.has_closed_range else context.text.open_ended()


def _pay_period_stated(rule: Rule, context: _Context) -> list[Span]:
    """Every structured range has a currency and a period; without structured ranges, a
    figure in the text with no period next to it and none anywhere else in the text."""
    if any(not r.get("currency") or not r.get("period") for r in context.ranges):
        return [WHOLE]
    if context.ranges:
        return []
    text = context.text
    bare = [f.span for f in text.pay_figures if f.period is None]
    if not text.pay_figures and text.money:
        bare = [Span(text.money[0].start(), text.money[0].end())]
    if bare and not PERIOD.search(text.text) and not PAY_PERIOD.search(text.text):
        return bare[:1]
    return []


def _benefits_present(rule: Rule, context: _Context) -> list[Span]:
    return _missing(
        bool(context.posting.get("benefits")) or bool(BENEFITS.search(context.text.text))
    )


def _deadline_present(rule: Rule, context: _Context) -> list[Span]:
    return _missing(
        bool(context.posting.get("closes_at")) or bool(DEADLINE.search(context.text.text))
    )


def _vacancy_status_present(rule: Rule, context: _Context) -> list[Span]:
    stated = context.posting.get("vacancy_exists") is not None
    return _missing(stated or bool(VACANCY.search(context.text.text)))


def _ai_disclosure_present(rule: Rule, context: _Context) -> list[Span]:
    if context.posting.get("ai_screening") is not True:
        return []
    return _missing(bool(AI_USE.search(context.text.text)))


def _commission_or_tipped_stated(rule: Rule, context: _Context) -> list[Span]:
    bases = {r.get("basis") for r in context.ranges}
    missing = ("commission" in bases and not COMMISSION.search(context.text.text)) or (
        "tipped" in bases and not TIPS.search(context.text.text)
    )
    return [WHOLE] if missing else []


def _pay_spread_max(rule: Rule, context: _Context) -> list[Span]:
    """Structured ranges and the ranges written in the text (a "$" range counts as the
    rule's currency when that is a dollar): the first one wider than allowed."""
    params = rule.params
    limit = float(params["amount"]) * PERIODS_PER_YEAR[params.get("period", "year")]
    exempt = params.get("exempt_if_max_above")
    for pay in [*context.ranges, *_text_ranges(context)]:
        low, high = pay.get("min"), pay.get("max")
        period = pay.get("period") or "year"
        if not _same_currency(pay.get("currency"), str(params["currency"])):
            continue
        if low is None or high is None:
            continue
        factor = PERIODS_PER_YEAR.get(str(period), 1)
        if exempt is not None and high * factor > float(exempt) * PERIODS_PER_YEAR.get(
            params.get("period", "year"), 1
        ):
            continue
        if (high - low) * factor > limit:
            span = pay.get("span")
            return [span if isinstance(span, Span) else WHOLE]
    return []


def _text_ranges(context: _Context) -> list[dict[str, object]]:
    """The pay figures written in the text, shaped like structured ``pay_ranges``."""
    return [figure.as_range() for figure in context.text.pay_figures]


def _same_currency(written: object, wanted: str) -> bool:
    return written == wanted or (written == "$" and wanted in DOLLAR_CURRENCIES)


def _pattern(rule: Rule, context: _Context) -> list[Span]:
    first_words = context.rules.first_words.get(rule.id)
    if first_words is not None and not any(
        context.text.has_word(word, prefix=prefix) for word, prefix in first_words
    ):
        return []
    lowered = context.text.lowered
    fast = context.rules.lowered.get(rule.id)
    if fast is not None and lowered is not None:
        return [Span(m.start(), m.end()) for m in fast.finditer(lowered)]
    pattern = context.rules.patterns[rule.id]
    return [Span(m.start(), m.end()) for m in pattern.finditer(context.text.text)]


def _word_count_min(rule: Rule, context: _Context) -> list[Span]:
    short = len(context.text.words) < int(rule.params["min"])
    return [Span(0, len(context.text.text))] if short else []


def _word_count_max(rule: Rule, context: _Context) -> list[Span]:
    long = len(context.text.words) > int(rule.params["max"])
    return [Span(0, len(context.text.text))] if long else []


def _reading_ease_min(rule: Rule, context: _Context) -> list[Span]:
    if len(context.text.words) < int(rule.params.get("min_words", 100)):
        return []
    if not context.text.english:  # the formula's weights are English's
        return []
    hard = context.text.reading_ease() < float(rule.params["min"])
    return [Span(0, len(context.text.text))] if hard else []


def _you_ratio_min(rule: Rule, context: _Context) -> list[Span]:
    if len(context.text.words) < int(rule.params.get("min_words", 100)):
        return []
    if not context.text.english:  # "du", "vous", "ty", "tú" are counted by no rule yet
        return []
    low = context.text.you_per_100 < float(rule.params["min"])
    return [Span(0, len(context.text.text))] if low else []


def _section_present(rule: Rule, context: _Context) -> list[Span]:
    """A heading with one of ``headings`` in it; for a summary, an opening paragraph of at
    least ``lead_words`` words before the first section heading counts too (a heading on
    the first line is the title, not a section)."""
    keywords = [str(k).lower() for k in rule.params["headings"]]
    found = any(any(k in title for k in keywords) for title, _ in context.headings)
    lead_words = rule.params.get("lead_words")
    if not found and lead_words is not None:
        first = _first_section(context)
        opening = [m for m in context.text.words if m.start() < first]
        found = len(opening) >= int(lead_words)
    return _missing(found)


def _first_section(context: _Context) -> int:
    """Where the first section heading starts: a heading on the first line is a title."""
    text = context.text.text
    first_line_end = text.find("\n", len(text) - len(text.lstrip()))
    first_line_end = len(text) if first_line_end < 0 else first_line_end
    later = [span.start for _, span in context.headings if span.start > first_line_end]
    return later[0] if later else len(text)


def _location_present(rule: Rule, context: _Context) -> list[Span]:
    posting = context.posting
    structured = (
        posting.get("locations") or posting.get("remote_from") or posting.get("workplace_type")
    )
    text = context.text.text
    return _missing(bool(structured) or bool(WORKPLACE.search(text)) or _title_names_place(context))


def _word_set(*lines: str) -> frozenset[str]:
    """Words separated by spaces, names of several words by commas."""
    return frozenset(word.strip() for line in lines for word in line.split(",") if word.strip())


# Region names a title line may end with besides ISO codes ("Berlin, Germany").
PLACE_NAMES = _word_set(
    "europe, emea, apac, latam, americas, worldwide, canada, ontario, quebec, québec",
    "alberta, manitoba, saskatchewan, british columbia, nova scotia, usa, united states",
    "new york, germany, deutschland, austria, österreich, switzerland, schweiz, france",
    "poland, polska, spain, españa, portugal, italy, italia, ireland, netherlands",
    "belgium, uk, united kingdom, england, scotland, wales, sweden, norway, denmark",
    "finland, czechia, romania",
)
# Words a title puts in brackets that are no city ("Backend Engineer (Python, ML)"): ML,
# AI, IT and QA are also country codes, so the city decides.
TECH_WORDS = _word_set(
    "python, java, javascript, typescript, go, golang, rust, ruby, php, scala, swift, c",
    "c++, c#, django, flask, fastapi, rails, spring, react, angular, vue, node, node.js",
    ".net, sql, aws, gcp, azure, kubernetes, terraform, data, backend, frontend, fullstack",
    "mobile, senior, junior, lead, staff, principal, contract, freelance, payments",
    "platform, security",
)


def _title_names_place(context: _Context) -> bool:
    """The first line names a place: a capitalised city and a region that is an ISO code
    (country, EU or a subdivision such as ON) or a known name. "Backend Engineer (Python,
    Django)" names none: Django is neither, and Python, a technology, is no city."""
    technologies = TECH_WORDS | {
        name.lower() for t in context.rules.technologies for name in (t.name, *t.aliases)
    }
    stripped = context.text.text.lstrip()
    line = FIRST_LINE.match(stripped)
    for match in TITLE_PLACE.finditer(line.group(0) if line else ""):
        city, region = match.group("city"), match.group("region").strip().rstrip(".")
        if not city[0].isupper() or city.lower() in technologies:
            continue
        code = region.isupper() and 2 <= len(region) <= 3
        if code and (region == "EU" or places.is_known(region) or region in places.region_codes()):
            return True
        if region.lower() in PLACE_NAMES:
            return True
    return False


def _employment_type_present(rule: Rule, context: _Context) -> list[Span]:
    stated = bool(context.posting.get("employment_type"))
    return _missing(stated or bool(EMPLOYMENT_TYPE.search(context.text.text)))


_TERM = bounded(r"[a-z][a-z'-]{3,}")


def _term_repetition(rule: Rule, context: _Context) -> list[Span]:
    """Terms repeated at least ``min_count`` times that also make up at least ``min_share``
    of all words: the share scales with the length, the count keeps three mentions in a
    ten-word text from counting. The finding points at the occurrence that crosses both."""
    text = context.text.lowered or context.text.text.lower()
    total = max(1, len(context.text.words))
    min_count = int(rule.params.get("min_count", 5))
    share = float(rule.params.get("min_share", 0.04))
    title_share = float(rule.params.get("title_share", share))
    terms = [m for m in _TERM.finditer(text) if m.group(0) not in STOPWORDS]
    counts = Counter(m.group(0) for m in terms)
    title = _title_terms(context)
    thresholds = {
        term: max(min_count, math.ceil((title_share if term in title else share) * total))
        for term in counts
    }
    frequent = {term for term, n in counts.items() if n >= thresholds[term]}
    spans, seen = [], Counter[str]()
    for match in terms:
        term = match.group(0)
        if term in frequent:
            seen[term] += 1
            if seen[term] == thresholds[term]:
                note = _stuffing_note(term, counts[term], total)
                spans.append(Span(match.start(), match.end(), note))
    return spans


def _title_terms(context: _Context) -> frozenset[str]:
    """The words of the job title (the posting's, else the text's first line): the job's
    subject ("data" for a data engineer) recurs naturally and gets a higher share."""
    title = context.posting.get("title")
    if not isinstance(title, str) or not title.strip():
        stripped = context.text.text.lstrip()
        title = stripped[: stripped.find("\n")] if "\n" in stripped else stripped
    return frozenset(_TERM.findall(title[:200].lower()))


def _stuffing_note(term: str, count: int, total: int) -> str:
    return f' "{term}" appears {count} times in {total} words ({100 * count / total:.0f}%).'


def _must_haves(rule: Rule, context: _Context) -> list[Span]:
    """The list items of the must-have requirement sections (``headings`` / ``optional``)."""
    params = rule.params
    return structure.must_have_items(
        context.text.text, context.sections, params["headings"], params.get("optional", [])
    )


def _required_skills(context: _Context) -> list[str]:
    return [str(s) for s in context.posting.get("required_skills") or [] if isinstance(s, str)]


def _covering(items: list[Span]) -> Span:
    return Span(items[0].start, items[-1].end) if items else WHOLE


def _requirements_count_max(rule: Rule, context: _Context) -> list[Span]:
    """More must-have requirements than ``max``: list items under the requirement
    headings, or the posting's required skills, whichever is more."""
    items = _must_haves(rule, context)
    count = max(len(items), len(_required_skills(context)))
    limit = int(rule.params["max"])
    if count <= limit:
        return []
    span = _covering(items) if len(items) == count else WHOLE
    note = f" It lists {count} must-have requirements; the threshold is {limit + 1}."
    return [Span(span.start, span.end, note)]


def _stack_breadth_max(rule: Rule, context: _Context) -> list[Span]:
    """Must-have technologies (taxonomy skills of the categories ``families``) numbering at
    least ``min_skills`` and spread over at least ``min_families`` categories."""
    items = _must_haves(rule, context)
    text = context.text.text
    named = structure.skills_in(text[item.start : item.end] for item in items)
    skills = structure.normalised([*_required_skills(context), *named])
    grouped = structure.by_family(skills, rule.params["families"])
    count = sum(len(found) for found in grouped.values())
    least_skills, least_families = int(rule.params["min_skills"]), int(rule.params["min_families"])
    if count < least_skills or len(grouped) < least_families:
        return []
    listed = "; ".join(f"{family}: {', '.join(found)}" for family, found in sorted(grouped.items()))
    note = (
        f" It asks for {count} technologies from {len(grouped)} families ({listed}); the "
        f"threshold is {least_skills} technologies from {least_families} families."
    )
    span = _covering(items)
    return [Span(span.start, span.end, note)]


_STOP = bounded(r"[.;\n]")
_WINDOW_WORD = bounded(r"\w+")


def _technology_age(rule: Rule, context: _Context) -> list[Span]:
    text = context.text.text
    spans = []
    for years in YEARS.finditer(text):
        window_end = min(len(text), years.end() + min(int(rule.params.get("window", 60)), 500))
        window = text[years.end() : window_end]
        stop = _STOP.search(window)
        window = window[: stop.start()] if stop else window
        for tech in _mentioned(context.rules.technologies, window):
            found = tech.pattern.search(window)
            if found is None:
                continue
            age = _whole_years(tech.first_release, context.as_of)
            if int(years.group(1)) > age:
                spans.append(Span(years.start(), years.end() + found.end()))
                break
    return spans


def _mentioned(technologies: Iterable[Technology], window: str) -> Iterable[Technology]:
    """The technologies whose first word is in the window (the others cannot match)."""
    words = frozenset(_WINDOW_WORD.findall(window.lower()))
    return (t for t in technologies if t.first_words is None or t.first_words & words)


def _whole_years(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


@cache
def _stem_pattern(stems: tuple[str, ...]) -> Bounded:
    """Whole lower-case words; ``stem*`` matches any word starting with the stem."""
    parts = [re.escape(s[:-1]) + r"[\w'-]*" if s.endswith("*") else re.escape(s) for s in stems]
    return bounded(r"(?<![\w'-])(?:" + "|".join(parts) + r")(?![\w'-])")


def _stem_hits(context: _Context, stems: tuple[str, ...]) -> dict[str, Span]:
    """The first place each distinct coded word occurs."""
    text = context.text.lowered or context.text.text.lower()
    hits: dict[str, Span] = {}
    if not stems or len(text) != len(context.text.text):
        return hits
    for match in _stem_pattern(stems).finditer(text):
        hits.setdefault(match.group(0), Span(match.start(), match.end()))
    return hits


def _gender_coded_balance(rule: Rule, context: _Context) -> list[Span]:
    masculine = _stem_hits(context, context.rules.masculine)
    feminine = _stem_hits(context, context.rules.feminine)
    lean = rule.params.get("lean", "masculine")
    ours, theirs = (masculine, feminine) if lean == "masculine" else (feminine, masculine)
    if len(ours) - len(theirs) >= int(rule.params.get("min_difference", 3)):
        return sorted(ours.values(), key=lambda s: s.start)
    return []


CHECKS: dict[str, Checker] = {
    "pay_range_present": _pay_range_present,
    "pay_range_closed": _pay_range_closed,
    "pay_period_stated": _pay_period_stated,
    "benefits_present": _benefits_present,
    "deadline_present": _deadline_present,
    "vacancy_status_present": _vacancy_status_present,
    "ai_disclosure_present": _ai_disclosure_present,
    "commission_or_tipped_stated": _commission_or_tipped_stated,
    "pay_spread_max": _pay_spread_max,
    "phrases": _pattern,
    "regex": _pattern,
    "word_count_min": _word_count_min,
    "word_count_max": _word_count_max,
    "reading_ease_min": _reading_ease_min,
    "you_ratio_min": _you_ratio_min,
    "section_present": _section_present,
    "location_present": _location_present,
    "employment_type_present": _employment_type_present,
    "term_repetition": _term_repetition,
    "technology_age": _technology_age,
    "gender_coded_balance": _gender_coded_balance,
    "requirements_count_max": _requirements_count_max,
    "stack_breadth_max": _stack_breadth_max,
}


def _family_scores(findings: list[Finding]) -> dict[str, dict[str, int]]:
    families: dict[str, dict[str, int]] = {
        name: {"score": 100, "error": 0, "warning": 0, "notice": 0} for name in FAMILIES
    }
    for finding in findings:
        family = families[finding.family]
        family[finding.severity] += 1
        family["score"] = max(0, family["score"] - PENALTY[finding.severity])
    return families


def _overall(families: dict[str, dict[str, int]], findings: list[Finding]) -> int:
    weighted = sum(WEIGHTS[name] * family["score"] for name, family in families.items())
    score = round(weighted / sum(WEIGHTS.values()))
    if any(f.severity == "error" for f in findings):
        score = min(score, ERROR_CAP)
    return score
