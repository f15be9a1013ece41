"""CPU-heavy work stays off the event loop: a probe is never held up by password hashing."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.test_serve import stop, wait_for
from tests.test_smoke import free_port

pytestmark = pytest.mark.anyio
PASSWORD = "a long enough passphrase"  # noqa: S105 - a test account's password
HEAVY = 2  # concurrent sign-ups (one per core), each a full-cost argon2 hash


@pytest.fixture
def emails(database_url: str) -> Iterator[list[str]]:
    tag = secrets.token_hex(4)
    addresses = [f"heavy-{tag}-{n}@example.com" for n in range(HEAVY + 1)]
    yield addresses
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM users WHERE email = ANY(%s)", (addresses,))


def serve_alone(database_url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One serve process (the probe must not share the server's interpreter) at
    production's argon2 cost, one lane per hash."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env |= {
        "HIREBOARD_DATABASE_URL": database_url,
        "HIREBOARD_DATA_DIR": str(data_dir),
        "HIREBOARD_WORKERS": "1",
        "HIREBOARD_ARGON2_PARALLELISM": "1",
        "HIREBOARD_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "hireboard", "serve", "--port", str(port), "--no-worker"]
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    return process, f"http://127.0.0.1:{port}"


def signup(email: str) -> dict[str, str]:
    return {"email": email, "password": PASSWORD, "name": "Heavy"}


async def probe_while(
    http: httpx.AsyncClient, busy: asyncio.Future[list[httpx.Response]]
) -> list[float]:
    """Seconds each /healthz took, asked one after another until ``busy`` is done."""
    took = []
    while not busy.done():
        start = time.perf_counter()
        assert (await http.get("/healthz")).status_code == 200
        took.append(time.perf_counter() - start)
        await asyncio.sleep(0.005)
    return took


async def test_hashing_passwords_never_delays_healthz(
    database_url: str, tmp_path: Path, emails: list[str]
) -> None:
    process, url = serve_alone(database_url, tmp_path)
    try:
        wait_for(url, process)
        async with (
            httpx.AsyncClient(base_url=url, timeout=30) as heavy,
            httpx.AsyncClient(base_url=url, timeout=30) as probe,
        ):
            # Warm up: connections open, statements compiled, threads started; what is
            # measured is the hashing, not a cold start.
            await probe.get("/healthz")
            await heavy.post("/v1/auth/signup", json=signup(emails[HEAVY]))
            started = time.perf_counter()
            busy = asyncio.gather(
                *(heavy.post("/v1/auth/signup", json=signup(e)) for e in emails[:HEAVY])
            )
            took = await probe_while(probe, busy)
            answers, elapsed = await busy, time.perf_counter() - started
    finally:
        stop(process)

    assert [a.status_code for a in answers] == [202] * HEAVY
    assert elapsed > 0.2  # the hashes were heavy enough to hold a blocked loop visibly
    assert len(took) >= 5
    assert max(took) < 0.05, sorted(took)[-5:]
