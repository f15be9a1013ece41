"""Paths for ``bench/paths.lua`` (wrk): searches, posting details or the health check.

    .venv/bin/python bench/paths.py search > /tmp/search-paths.txt
    .venv/bin/python bench/paths.py detail --base http://127.0.0.1:8765 > /tmp/detail-paths.txt
Searches rotate the terms of ``bench/latency.py`` with two filters; details are the
postings the searches find (a few hundred distinct ones).
"""

from __future__ import annotations

import argparse

import httpx
from latency import TERMS  # the same searches as the single-client run


def searches() -> list[str]:
    return [f"/v1/postings?q={term}&level=senior&workplace_type=remote" for term in TERMS]


def details(base: str) -> list[str]:
    found: list[str] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in searches():
            response = client.get(path + "&limit=50")
            response.raise_for_status()
            found += [f"/v1/postings/{item['id']}" for item in response.json()["items"]]
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["search", "detail", "healthz"])
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    args = parser.parse_args()
    paths = {"search": searches, "healthz": lambda: ["/healthz"]}.get(args.kind)
    print("\n".join(paths() if paths else details(args.base)))


if __name__ == "__main__":
    main()
