"""Every rule has a public source, an example that triggers it and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from hireboard.checker.engine import CheckInput, run
from hireboard.checker.rules import FAMILIES, Example, Rule, load_rules, packaged_rules

RULES = packaged_rules()


def _run(example: Example) -> set[str]:
    result = run(
        RULES,
        CheckInput(
            text=example.text,
            posting=example.posting,
            jurisdictions=example.jurisdictions or [],
            employer_headcount=example.employer_headcount,
            as_of=example.as_of,
        ),
    )
    return {finding.rule_id for finding in result.findings}


def test_the_catalogue_is_broad() -> None:
    families = {rule.family for rule in RULES.rules}
    assert families == set(FAMILIES)  # every family has rules
    laws = {rule.jurisdiction for rule in RULES.rules if rule.is_law}
    assert {"EU", "US-CO", "US-CA", "US-NY-NYC", "US-DE", "CA-ON", "CA-BC", "CA-PE"} <= laws
    assert len({rule.id for rule in RULES.rules}) == len(RULES.rules)
    assert len(RULES.masculine) > 30 and len(RULES.feminine) > 30
    assert any(t.name == "Kubernetes" for t in RULES.technologies)


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda rule: rule.id)
def test_rule_has_sources_and_examples_that_decide_it(rule: Rule) -> None:
    assert rule.sources and all(s.startswith("https://") for s in rule.sources)
    if rule.is_law:
        assert rule.effective_from is not None
    for example in rule.examples.trigger:
        assert rule.id in _run(example), f"trigger example did not fire: {example.text[:80]}"
    for example in rule.examples.passing:
        assert rule.id not in _run(example), f"pass example fired: {example.text[:80]}"


def test_an_operator_directory_adds_and_overrides_rules(tmp_path: Path) -> None:
    (tmp_path / "house.yaml").write_text(
        """
- id: house.no-synergy
  family: realism
  severity: error
  title: No synergy
  message: "The posting says synergy."
  fix: "Say what you mean."
  sources: ["https://example.org/house-style"]
  check: phrases
  params: {phrases: ["synergy"]}
  examples:
    trigger: [{text: "Great synergy."}]
    pass: [{text: "Great team."}]
- id: realism.hype-title
  family: realism
  severity: error
  title: Hype titles are errors here
  message: "No hype titles in this house."
  fix: "Use the real title."
  sources: ["https://example.org/house-style"]
  check: phrases
  params: {phrases: ["rockstar"]}
  examples:
    trigger: [{text: "A rockstar."}]
    pass: [{text: "An engineer."}]
""",
        encoding="utf-8",
    )
    rules = load_rules(tmp_path)
    assert rules.version != RULES.version
    assert rules.by_id("realism.hype-title").severity == "error"
    result = run(rules, CheckInput(text="Our rockstar loves synergy.", jurisdictions=[]))
    errors = {(f.rule_id, f.severity) for f in result.findings if f.severity == "error"}
    assert errors == {("house.no-synergy", "error"), ("realism.hype-title", "error")}
    assert len(rules.rules) == len(RULES.rules) + 1
