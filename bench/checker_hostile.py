"""The checker on hostile texts of the largest accepted size (200,000 characters).

Run: .venv/bin/python bench/checker_hostile.py [--size 200000]

1. Each distinct rule check alone on every hostile text (``checker.hostile``), then the
   whole engine (110 rules, five jurisdictions) on each generic hostile text: the
   slowest of each, asserted under ``--rule-bound`` and ``--check-bound`` seconds.
2. The event loop while each of those checks runs in a worker thread as the API runs it:
   the longest an ``asyncio.sleep(0.001)`` overshoots (what a ``/healthz`` waits),
   asserted under ``--lag-bound`` seconds. Python's ``re`` keeps the GIL for one scan,
   so this is the longest single scan, not the whole check.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread

from hireboard.checker import engine
from hireboard.checker.engine import CheckInput, run
from hireboard.checker.hostile import for_rule, generic
from hireboard.checker.rules import Rule, packaged_rules

RULES = packaged_rules()
PLACES = ["US-CO", "US-CA", "US-NY-NYC", "CA-ON", "EU"]


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def request_for(rule: Rule, text: str) -> CheckInput:
    example = rule.examples.trigger[0]
    return CheckInput(
        text=text,
        posting=example.posting,
        jurisdictions=example.jurisdictions or ([rule.jurisdiction] if rule.jurisdiction else []),
        employer_headcount=example.employer_headcount or 10_000_000,
        as_of=example.as_of or rule.effective_from,
    )


def slowest_rule(size: int) -> tuple[float, str]:
    worst, seen = (0.0, ""), set()
    for rule in RULES.rules:
        key = rule.check + repr(sorted(rule.params.items()))
        if key in seen:
            continue
        seen.add(key)
        for name, text in [*generic(size), *for_rule(rule, size)]:
            context = engine.context_for(RULES, request_for(rule, text))
            took = timed(lambda: list(engine.CHECKS[rule.check](rule, context)))  # noqa: B023
            worst = max(worst, (took, f"{rule.id} on {name}"))
    return worst


def slowest_check(size: int) -> tuple[float, str]:
    times = [
        (timed(lambda: run(RULES, CheckInput(text=text, jurisdictions=PLACES))), name)  # noqa: B023
        for name, text in generic(size)
    ]
    return max(times)


async def loop_lag(text: str) -> float:
    """The longest the loop stalls while the check runs in a worker thread."""
    request = CheckInput(text=text, jurisdictions=PLACES)
    worst = 0.0

    async def probe() -> None:
        nonlocal worst
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - started - 0.001)

    prober = asyncio.create_task(probe())
    await anyio.to_thread.run_sync(run, RULES, request)
    prober.cancel()
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--rule-bound", type=float, default=2.0)
    parser.add_argument("--check-bound", type=float, default=5.0)
    parser.add_argument("--lag-bound", type=float, default=0.5)
    args = parser.parse_args()
    rule_s, rule_where = slowest_rule(args.size)
    check_s, check_name = slowest_check(args.size)
    lag, lag_name = max((asyncio.run(loop_lag(text)), name) for name, text in generic(args.size))
    print(f"size={args.size} slowest rule: {rule_s:.3f} s ({rule_where})")
    print(f"slowest whole check: {check_s:.3f} s ({check_name})")
    print(f"longest event-loop stall, check in a thread: {lag * 1000:.1f} ms ({lag_name})")
    over = [
        f"{what} {took:.2f} s over {bound} s"
        for what, took, bound in [
            ("a rule", rule_s, args.rule_bound),
            ("a check", check_s, args.check_bound),
            ("the loop stall", lag, args.lag_bound),
        ]
        if took >= bound
    ]
    if over:
        raise SystemExit("; ".join(over))


if __name__ == "__main__":
    main()
