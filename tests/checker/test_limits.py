"""Every checker rule does linear work: a step count bound on hostile texts of the largest
accepted size (``checker.limits``; the wall-clock figures are in bench/checker_hostile.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hireboard.checker import engine, structure, text
from hireboard.checker.engine import CheckInput, run
from hireboard.checker.hostile import for_rule, generic
from hireboard.checker.limits import (
    MAX_TEXT_CHARS,
    MAX_TOKEN,
    MAX_WIDTH,
    Bounded,
    UnboundedPattern,
    bounded,
    metering,
)
from hireboard.checker.rules import Rule, load_rules, packaged_rules

RULES = packaged_rules()
# Steps are characters scanned times the scanning pattern's width (``limits.Meter``).
STEPS_PER_CHAR = 6_000


def _distinct() -> Iterator[Rule]:
    """One rule per check and parameters: rules that share them share the work."""
    seen: set[str] = set()
    for rule in RULES.rules:
        key = rule.check + repr(sorted(rule.params.items()))
        if key not in seen:
            seen.add(key)
            yield rule


def _steps(rule: Rule, hostile: str) -> int:
    """The work of the rule's check alone, on a fresh (unanalysed) text."""
    example = rule.examples.trigger[0]
    request = CheckInput(
        text=hostile,
        posting=example.posting,
        jurisdictions=example.jurisdictions or ([rule.jurisdiction] if rule.jurisdiction else []),
        employer_headcount=example.employer_headcount or 10_000_000,
        as_of=example.as_of or rule.effective_from,
    )
    with metering() as meter:
        list(engine.CHECKS[rule.check](rule, engine.context_for(RULES, request)))
    return meter.steps


def _texts(rule: Rule, size: int) -> list[tuple[str, str]]:
    return [*generic(size), *for_rule(rule, size)]


@pytest.mark.parametrize("rule", list(_distinct()), ids=lambda rule: rule.id)
def test_each_rule_does_linear_work_on_hostile_text_of_the_largest_size(rule: Rule) -> None:
    half = dict(_texts(rule, MAX_TEXT_CHARS // 2))
    for name, hostile in _texts(rule, MAX_TEXT_CHARS):
        steps = _steps(rule, hostile)
        assert steps <= STEPS_PER_CHAR * MAX_TEXT_CHARS, (name, steps)
        # Twice the text, at most about twice the work (quadratic work would be 4x).
        assert steps <= 2.2 * _steps(rule, half[name]) + 10_000, (name, steps)


def _metrics(hostile: str) -> int:
    """The work of the metrics every check reports (words, sentences, syllables...)."""
    with metering() as meter:
        analysed = text.Text(hostile)
        analysed.reading_ease(), analysed.grade_level(), analysed.you_per_100
        analysed.headings, analysed.open_ended(), analysed.tokens
    return meter.steps


@pytest.mark.parametrize("name", [name for name, _ in generic(10)])
def test_the_shared_text_analysis_does_linear_work_on_hostile_text(name: str) -> None:
    hostile, half = dict(generic(MAX_TEXT_CHARS))[name], dict(generic(MAX_TEXT_CHARS // 2))[name]
    steps = _metrics(hostile)
    assert steps <= STEPS_PER_CHAR * MAX_TEXT_CHARS
    assert steps <= 2.2 * _metrics(half) + 10_000


def _module_patterns() -> list[Bounded]:
    found = [v for m in (text, engine) for v in vars(m).values() if isinstance(v, Bounded)]
    found += [*RULES.patterns.values(), *RULES.lowered.values()]
    found += [t.pattern for t in RULES.technologies]
    found += [engine._stem_pattern(RULES.masculine), engine._stem_pattern(RULES.feminine)]
    found += list(structure.skill_finders())
    return found


def test_every_pattern_the_checker_uses_is_bounded() -> None:
    patterns = _module_patterns()
    assert len(patterns) > 100
    for pattern in patterns:
        assert 1 <= pattern.width <= MAX_WIDTH, pattern.source


def test_an_unbounded_pattern_is_capped_and_keeps_matching() -> None:
    capped = bounded(r"(?i)up\s+to\s*\d+")
    assert capped.width < 200
    assert capped.search("Pay: UP   to 90000").group(0) == "UP   to 90000"  # type: ignore[union-attr]
    assert capped.search("up" + " " * 100 + "to 1") is None  # past the cap


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)*b", r"(?:x\s*)*y", r".{3000}"])
def test_an_operator_pattern_that_could_backtrack_without_end_is_refused(pattern: str) -> None:
    with pytest.raises(UnboundedPattern):
        bounded(pattern)


def test_a_word_is_never_longer_than_the_token_cap() -> None:
    analysed = text.Text("x" * 10_000 + " short")
    assert max(len(m.group(0)) for m in analysed.words) == MAX_TOKEN
    assert len(analysed.words) == 10_000 // MAX_TOKEN + 2
    assert analysed.syllables >= len(analysed.words)


def test_the_engine_refuses_text_past_the_accepted_size() -> None:
    with pytest.raises(ValueError, match="longer than"):
        run(RULES, CheckInput(text="a" * (MAX_TEXT_CHARS + 1)))


OPERATOR_RULE = """
- id: house.{name}
  family: realism
  severity: notice
  title: House rule
  message: "House rule."
  fix: "Rewrite."
  sources: ["https://example.org/house-style"]
  check: regex
  params: {{pattern: '{pattern}'}}
  examples:
    trigger: [{{text: "aab"}}]
    pass: [{{text: "c"}}]
"""


def test_an_operator_rule_is_capped_or_refused_when_the_rules_load(tmp_path: Path) -> None:
    capped, refused = tmp_path / "capped", tmp_path / "refused"
    capped.mkdir()
    refused.mkdir()
    for directory, name, pattern in [(capped, "ok", r"a+b"), (refused, "no", r"(a|aa)*b")]:
        rule = OPERATOR_RULE.format(name=name, pattern=pattern)
        (directory / "house.yaml").write_text(rule, encoding="utf-8")
    assert load_rules(capped).patterns["house.ok"].width <= MAX_WIDTH
    with pytest.raises(UnboundedPattern):
        load_rules(refused)
