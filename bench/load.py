"""Requests per second and tail latency from a second process, over loopback.

    .venv/bin/python bench/load.py --base http://127.0.0.1:8765 --path /healthz \
        --concurrency 32 --seconds 20
Keeps `concurrency` requests in flight with one HTTP/1.1 keep-alive connection each (httpx,
asyncio) for `seconds`, after a 2-second warm-up, and prints RPS with p50/p95/p99. The
generator is Python too and shares the two cores with the server, so the figures are a
floor for the server; compare paths with each other (the `/healthz` baseline shows what
the framework alone costs).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx


async def worker(
    client: httpx.AsyncClient,
    paths: list[str],
    stop: float,
    timings: list[float],
    errors: list[int],
) -> None:
    index = 0
    while time.perf_counter() < stop:
        started = time.perf_counter()
        response = await client.get(paths[index % len(paths)])
        index += 1
        if response.status_code >= 400:
            errors.append(response.status_code)
        timings.append((time.perf_counter() - started) * 1000)


async def run(base: str, paths: list[str], concurrency: int, seconds: float) -> None:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        warm: list[float] = []
        await asyncio.gather(
            *(worker(client, paths, time.perf_counter() + 2, warm, []) for _ in range(concurrency))
        )
        timings: list[float] = []
        errors: list[int] = []
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(
            *(worker(client, paths, stop, timings, errors) for _ in range(concurrency))
        )
        elapsed = time.perf_counter() - started
    timings.sort()

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(len(timings) * p))]

    rps = len(timings) / elapsed
    print(
        f"{paths[0][:60]:60} rps {rps:8.1f}  p50 {statistics.median(timings):7.2f}"
        f"  p95 {pct(0.95):7.2f}  p99 {pct(0.99):7.2f} ms  errors {len(errors)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.base, args.path, args.concurrency, args.seconds))


if __name__ == "__main__":
    main()
