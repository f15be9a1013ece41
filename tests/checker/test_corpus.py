"""The checker on 32 job descriptions written for these tests, with the expected findings.

Each case in ``corpus/`` names the rule ids that must appear as errors or warnings, that
must appear at all, or must not; a compliant case may have no error-level finding.
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
    errors = sorted(rule for rule, severities in by_rule.items() if "error" in severities)
    if case["compliant"]:
        assert errors == [], errors
        assert result.score > 60
