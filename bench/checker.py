"""How long the JD checker takes for a 1,000-word description (target: under 20 ms).

Run: .venv/bin/python bench/checker.py [--runs 300]
The description is a rendered built-in template padded to 1,000 words, with a few
findings in it (vague pay, an open-ended range, a hype title), checked for four
jurisdictions with the engine alone (no HTTP), after one warm-up run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from hireboard.checker.engine import CheckInput, run
from hireboard.checker.rules import packaged_rules
from hireboard.templates.catalog import builtin_templates
from hireboard.templates.render import render


def description(words: int = 1000) -> str:
    template = builtin_templates()["backend-engineer"]
    base = render(template, template.variant("senior"), {"company_name": "Acme"}, "markdown")
    base += (
        "\nCompetitive salary, up to $180,000. We want a rockstar who can hit the ground running.\n"
    )
    text = base
    while len(text.split()) < words:
        text += "\n" + base
    return " ".join(text.split(" ")[: words + 200])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    rules = packaged_rules()
    text = description()
    request = CheckInput(
        text=text,
        jurisdictions=["US-CO", "US-NY-NYC", "CA-ON", "PL"],
        employer_headcount=120,
        as_of=date(2026, 11, 23),
    )
    result = run(rules, request)
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        run(rules, request)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"words={len(text.split())} rules={len(rules.rules)} findings={len(result.findings)} "
        f"runs={args.runs} p50={statistics.median(timings):.2f} ms p95={p95:.2f} ms "
        f"max={timings[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
