"""A candidate's top 20 matches at scale (target: p95 under 200 ms).

    HIREBOARD_DATA_DIR=/var/lib/hireboard-bench .venv/bin/python bench/matching.py \
        --candidates 100000 --runs 200
Run on a database loaded with `hireboard seed synthetic --postings 1000000`. Adds
`--candidates` synthetic candidate profiles once (users named bench-candidate-N, skills,
levels, places and pay drawn from the templates), then times the matching service for
`--runs` random candidates, one at a time, in-process (no HTTP), each in its own
read-only transaction acting as that candidate.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid

import psycopg

from hireboard.access.actor import Actor
from hireboard.access.context import act_as
from hireboard.cli.runtime import database, load_settings, owner_url
from hireboard.db import Database
from hireboard.matching.service import for_candidate
from hireboard.templates.catalog import builtin_templates

COUNTRIES = ["US", "CA", "GB", "DE", "NL", "FR", "PL", "PT", "IN", "AU"]


def add_candidates(url: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute(
            "SELECT count(*) FROM users WHERE email LIKE 'bench-candidate-%%'"
        ).fetchone()
        missing = count - (have[0] if have else 0)
        if missing <= 0:
            return
        rng = random.Random(5)  # noqa: S311 - benchmark data
        skills = sorted({s for t in builtin_templates().values() for s in t.must_have_skills})
        rows = []
        for index in range(missing):
            user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            chosen = rng.sample(skills, k=rng.randint(3, 8))
            rows.append(
                (
                    user_id,
                    f"bench-candidate-{user_id.hex}@example.com",
                    f"Candidate {index}",
                    "[" + ",".join(f'{{"name": "{s}"}}' for s in chosen) + "]",
                    [rng.choice(["junior", "mid", "senior", "staff"])],
                    f'[{{"city": "X", "country": "{rng.choice(COUNTRIES)}"}}]',
                    f'{{"amount": {rng.randint(60, 220) * 1000}, "currency": "USD", '
                    '"period": "year"}',
                )
            )
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO users (id, email, name, password_hash) VALUES (%s, %s, %s, 'x')",
                [(r[0], r[1], r[2]) for r in rows],
            )
            cursor.executemany(
                "INSERT INTO candidate_profiles (user_id, headline, skills, desired_levels, "
                "locations, pay_expectation, visibility) VALUES (%s, 'Engineer', %s, %s, %s, %s, "
                "'employers')",
                [(r[0], r[3], r[4], r[5], r[6]) for r in rows],
            )
        conn.execute("ANALYZE users, candidate_profiles")


async def measure(database_: Database, settings: object, ids: list[uuid.UUID]) -> list[float]:
    timings = []
    for user_id in ids:
        actor = Actor(user_id=user_id)
        started = time.perf_counter()
        async with database_.read_sessions() as session:
            await act_as(session, actor)
            await for_candidate(session, actor, settings, None, 20)  # type: ignore[arg-type]
            await session.rollback()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    settings = load_settings()
    with database(settings) as ready:
        url = owner_url(ready)
        started = time.perf_counter()
        add_candidates(url, args.candidates)
        print(f"candidates ready in {time.perf_counter() - started:.1f} s")
        with psycopg.connect(url) as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM users WHERE email LIKE 'bench-candidate-%%' "
                    "ORDER BY md5(id::text) LIMIT %s",
                    (args.runs + 10,),
                )
            ]

        async def run() -> list[float]:
            db = Database.connect(ready, url)
            try:
                await measure(db, ready, ids[:10])  # warm-up
                return await measure(db, ready, ids[10:])
            finally:
                await db.dispose()

        timings = asyncio.run(run())
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"top 20 matches: p50 {statistics.median(timings):.1f} ms  p95 {p95:.1f} ms  "
        f"max {timings[-1]:.1f} ms  n={len(timings)}"
    )


if __name__ == "__main__":
    main()
