"""The checker on job descriptions written for these tests, with the expected findings.

Each case in ``corpus/`` names the rule ids that must appear as errors or warnings, that
must appear at all, or must not; a compliant case may have no error-level finding.

Optional, for measuring precision (``bench/checker_precision.py``, issue 22 item 8):

- ``expect_findings``: the complete list of rule ids a careful reviewer expects, every
  family. With it the case is labelled completely: every id in it must be found, and every
  id found must be in it, except for the two lists below.
- ``known_misses``: ids of ``expect_findings`` the engine does not find today.
- ``known_false``: ids the engine reports today that a careful reviewer would not (false
  positives); they are not counted as errors of a compliant case.

Both lists name what the engine gets wrong, so that the benchmark counts it while the tests
pass; an engine that starts to get a case right does not fail the test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from hireboard.checker.engine import CheckInput, Result, run
from hireboard.checker.rules import packaged_rules

CASES = sorted((Path(__file__).parent / "corpus").glob("*.yaml"))


def test_the_corpus_is_large_and_mixed() -> None:
    cases = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in CASES]
    assert len(cases) >= 30
    assert sum(case["compliant"] for case in cases) >= 10
    assert sum(not case["compliant"] for case in cases) >= 15
    jurisdictions = {j for case in cases for j in case["jurisdictions"]}
    assert len(jurisdictions) >= 10


def checked(case: dict[str, Any]) -> Result:
    return run(
        packaged_rules(),
        CheckInput(
            text=case["text"],
            posting=case.get("posting") or {},
            jurisdictions=case["jurisdictions"],
            employer_headcount=case["employer_headcount"],
            as_of=date.fromisoformat(case["as_of"]),
        ),
    )


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_case_gives_the_expected_findings(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = checked(case)
    by_rule: dict[str, set[str]] = {}
    for finding in result.findings:
        by_rule.setdefault(finding.rule_id, set()).add(finding.severity)
        assert 0 <= finding.start <= finding.end <= len(case["text"])
    for rule_id in case.get("expect_error") or []:
        assert "error" in by_rule.get(rule_id, set()), (rule_id, by_rule)
    for rule_id in case.get("expect_warning") or []:
        assert by_rule.get(rule_id) == {"warning"}, (rule_id, by_rule)
    for rule_id in case.get("expect_present") or []:
        assert rule_id in by_rule, (rule_id, sorted(by_rule))
    for rule_id in case.get("expect_absent") or []:
        assert rule_id not in by_rule, (rule_id, by_rule[rule_id])
    known_false = set(case.get("known_false") or [])
    if "expect_findings" in case:
        assert_complete_labels(case, set(by_rule), known_false)
    else:
        assert not case.get("known_misses") and not known_false, "needs expect_findings"
    errors = sorted(
        rule
        for rule, severities in by_rule.items()
        if "error" in severities and rule not in known_false
    )
    if case["compliant"]:
        assert errors == [], errors
        if not known_false & {r for r, severities in by_rule.items() if "error" in severities}:
            assert result.score > 60  # a false error caps the score at 60


def assert_complete_labels(case: dict[str, Any], found: set[str], known_false: set[str]) -> None:
    """Found = expected, but for the misses and false findings the case names."""
    expected = set(case["expect_findings"])
    misses = set(case.get("known_misses") or [])
    assert misses <= expected, misses - expected
    assert not known_false & expected, known_false & expected
    labelled = {
        rule
        for key in ("expect_error", "expect_warning", "expect_present")
        for rule in case.get(key) or []
    }
    assert labelled <= expected, labelled - expected
    assert expected - misses <= found, sorted(expected - misses - found)
    assert found <= expected | known_false, sorted(found - expected - known_false)
