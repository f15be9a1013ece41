"""The checker as the API and the CLI use it."""

from __future__ import annotations

from dataclasses import asdict

from hireboard.checker.engine import CheckInput, run
from hireboard.checker.rules import RuleSet
from hireboard.checker.schemas import (
    CheckRequest,
    CheckResponse,
    FamilyScore,
    FindingOut,
    RuleOut,
    RulesResponse,
)


def check(rules: RuleSet, request: CheckRequest) -> CheckResponse:
    result = run(
        rules,
        CheckInput(
            text=request.full_text(),
            posting=request.posting_facts(),
            jurisdictions=request.jurisdictions,
            employer_headcount=request.employer_headcount,
            as_of=request.as_of,
        ),
    )
    return CheckResponse(
        score=result.score,
        families={name: FamilyScore(**counts) for name, counts in result.families.items()},
        findings=[FindingOut.model_validate(asdict(f)) for f in result.findings],
        jurisdictions=result.jurisdictions,
        as_of=result.as_of,
        rules_version=result.rules_version,
        metrics=result.metrics,
    )


def list_rules(rules: RuleSet) -> RulesResponse:
    return RulesResponse(
        rules_version=rules.version,
        items=[
            RuleOut.model_validate(rule.model_dump(exclude={"params", "examples", "notes"}))
            for rule in sorted(rules.rules, key=lambda r: r.id)
        ],
    )
