"""Single-client latency of search, a facet query and market statistics against a server.

Run against `hireboard serve` on a database loaded with `hireboard seed synthetic`:
    .venv/bin/python bench/latency.py --base http://127.0.0.1:8765 --runs 200
Each request differs from the previous (rotating terms and role families), one at a time,
after 10 warm-up requests per kind; figures are wall-clock per request, client included.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

import httpx

TERMS = ["python", "kubernetes", "react", "postgresql", "terraform", "airflow", "figma", "go"]
FAMILIES = [
    "backend-engineer",
    "data-engineer",
    "frontend-engineer",
    "ml-engineer",
    "site-reliability-engineer",
    "product-manager",
    "qa-engineer",
]
COUNTRIES = ["US", "DE", "CA", "GB", "PL", "IN", "FR"]


def measure(client: httpx.Client, urls: itertools.cycle[str], runs: int) -> list[float]:
    for _ in range(10):
        client.get(next(urls)).raise_for_status()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(next(urls)).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def report(name: str, timings: list[float]) -> None:
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"{name:34} p50 {statistics.median(timings):7.2f} ms  p95 {p95:7.2f} ms  n={len(timings)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with httpx.Client(base_url=args.base, timeout=30) as client:
        search = itertools.cycle(
            f"/v1/postings?q={term}&level=senior&workplace_type=remote" for term in TERMS
        )
        report("search: text + 2 filters", measure(client, search, args.runs))
        facets = itertools.cycle(
            f"/v1/postings?role_family={family}&country={country}"
            for family, country in itertools.product(FAMILIES, COUNTRIES)
        )
        report("facet query: 2 filters + facets", measure(client, facets, args.runs))
        stats = itertools.cycle(f"/v1/market/stats?role_family={f}" for f in FAMILIES)
        report("market/stats: one role family", measure(client, stats, args.runs))


if __name__ == "__main__":
    main()
