"""Precision and recall of the JD checker on the labelled corpus, per family (issue 22).

Run: .venv/bin/python bench/checker_precision.py [--cases] [--corpus DIR]

Families (by rule id prefix and the rules' ``family`` field):
law (``pay.*``, family pay_transparency, the pay-history law rules included), vague pay
(``vague.*`` but the pay-history question), pay history (``vague.pay-history-question``),
wording (``gender.*`` and ``excl.*``: families gender_coded and exclusionary), realism
(``realism.*``), readability, completeness, stuffing (``stuffing.*``).

A finding is counted once per (case, rule id), whatever its spans and severity.

Labels: a case's *expected* rule ids are ``expect_findings`` when the case has it (the
complete list of rule ids the checker should report, every family), else the union of
``expect_error``, ``expect_warning`` and ``expect_present`` (partial labels).

- Recall, per family: expected ids found / expected ids, over every case.
- Precision, per family: found ids that are expected / found ids, over the cases whose
  labels are complete, i.e. the cases with ``expect_findings``. A case with partial labels
  says nothing about the findings it does not name, so its findings are not counted.

``known_misses`` and ``known_false`` (see tests/checker/test_corpus.py) do not change the
counts: a known miss is an expected id not found, a known false finding is a found id not
expected. They only name what the engine gets wrong today, so the tests pass.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from hireboard.checker.engine import CheckInput, run
from hireboard.checker.rules import packaged_rules

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "checker" / "corpus"
FAMILIES = (
    "law",
    "vague pay",
    "pay history",
    "wording",
    "realism",
    "readability",
    "completeness",
    "stuffing",
)
_PREFIXES = {
    "pay.": "law",
    "gender.": "wording",
    "excl.": "wording",
    "realism.": "realism",
    "readability.": "readability",
    "completeness.": "completeness",
    "stuffing.": "stuffing",
}


def family_of(rule_id: str) -> str:
    """The benchmark family of a rule id (the pay-history question is its own family)."""
    if rule_id == "vague.pay-history-question":
        return "pay history"
    if rule_id.startswith("vague."):
        return "vague pay"
    for prefix, family in _PREFIXES.items():
        if rule_id.startswith(prefix):
            return family
    raise ValueError(f"no family for {rule_id}")


def expected_ids(case: dict[str, Any]) -> tuple[set[str], bool]:
    """The rule ids the case expects, and whether that list is complete."""
    if case.get("expect_findings") is not None:
        return set(case["expect_findings"]), True
    keys = ("expect_error", "expect_warning", "expect_present")
    return {rule for key in keys for rule in case.get(key) or []}, False


def found_ids(case: dict[str, Any]) -> set[str]:
    result = run(
        packaged_rules(),
        CheckInput(
            text=case["text"],
            posting=case.get("posting") or {},
            jurisdictions=case["jurisdictions"],
            employer_headcount=case["employer_headcount"],
            as_of=date.fromisoformat(case["as_of"]),
        ),
    )
    return {finding.rule_id for finding in result.findings}


@dataclass
class Tally:
    expected: Counter[str] = field(default_factory=Counter)
    hit: Counter[str] = field(default_factory=Counter)  # expected and found
    reported: Counter[str] = field(default_factory=Counter)  # found, complete cases only
    correct: Counter[str] = field(default_factory=Counter)  # found and expected, ditto
    misses: dict[str, list[str]] = field(default_factory=dict)
    false: dict[str, list[str]] = field(default_factory=dict)


def tally(paths: list[Path]) -> tuple[Tally, int, int]:
    out, complete = Tally(), 0
    for path in paths:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        expected, is_complete = expected_ids(case)
        found = found_ids(case)
        for rule in expected:
            out.expected[family_of(rule)] += 1
            if rule in found:
                out.hit[family_of(rule)] += 1
            else:
                out.misses.setdefault(path.stem, []).append(rule)
        if not is_complete:
            continue
        complete += 1
        for rule in found:
            out.reported[family_of(rule)] += 1
            if rule in expected:
                out.correct[family_of(rule)] += 1
            else:
                out.false.setdefault(path.stem, []).append(rule)
    return out, len(paths), complete


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def table(t: Tally) -> str:
    rows = [
        "| Family | Precision | Found (complete cases) | Recall | Expected |",
        "|---|---|---|---|---|",
    ]
    for family in FAMILIES:
        precision = _ratio(t.correct[family], t.reported[family])
        recall = _ratio(t.hit[family], t.expected[family])
        rows.append(
            f"| {family} | {precision} | {t.correct[family]}/{t.reported[family]} "
            f"| {recall} | {t.hit[family]}/{t.expected[family]} |"
        )
    correct, reported = sum(t.correct.values()), sum(t.reported.values())
    hit, expected = sum(t.hit.values()), sum(t.expected.values())
    rows.append(
        f"| **overall** | {_ratio(correct, reported)} | {correct}/{reported} "
        f"| {_ratio(hit, expected)} | {hit}/{expected} |"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--cases", action="store_true", help="list each miss and false finding")
    args = parser.parse_args()
    paths = sorted(args.corpus.glob("*.yaml"))
    result, cases, complete = tally(paths)
    today = datetime.now(UTC).date()
    print(f"{cases} cases, {complete} labelled completely (expect_findings), {today}")
    print(table(result))
    if args.cases:
        for stem, rules in sorted(result.misses.items()):
            print(f"miss  {stem}: {', '.join(sorted(rules))}")
        for stem, rules in sorted(result.false.items()):
            print(f"false {stem}: {', '.join(sorted(rules))}")


if __name__ == "__main__":
    main()
