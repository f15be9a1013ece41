"""`hireboard serve` as a real process against the test database."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest

from tests.fixtures.database import make_settings
from tests.test_jobs import defer_committed, eventually, recorded
from tests.test_smoke import free_port


def serve(database_url: str, data_dir: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env |= {
        "HIREBOARD_DATABASE_URL": database_url,
        "HIREBOARD_DATA_DIR": str(data_dir),
        "HIREBOARD_WORKER_TASK_MODULES": '["tests.job_tasks"]',
        "HIREBOARD_WORKERS": "1",  # --workers overrides it; uvicorn children are not "worker"s
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hireboard", "serve", "--port", str(port), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> httpx.Response:
    # Generous: on a loaded machine, importing the app in each process alone took 16 s.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0].decode()
        try:
            return httpx.get(url + "/readyz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("serve never answered")


def stop(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(signum)
    output, _ = process.communicate(timeout=30)
    return process.returncode, output.decode()


def worker_children(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process(process.pid).children(recursive=True)
        if "worker" in child.cmdline()
    ]


@pytest.mark.anyio
async def test_serve_runs_a_worker_unless_told_not_to(database_url: str, tmp_path: Path) -> None:
    marker = f"serve-{secrets.token_hex(4)}"
    process, url = serve(database_url, tmp_path)
    try:
        wait_for(url, process)
        assert len(worker_children(process)) == 1
        await defer_committed(
            database_url, make_settings(database_url, tmp_path), "test.record", marker=marker
        )
        await eventually(lambda: recorded(database_url, marker))
    finally:
        code, output = stop(process)
        with psycopg.connect(database_url) as conn:
            conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'marker' = %s", (marker,))
            conn.execute("DELETE FROM scratch_items WHERE name LIKE %s", (marker + "%",))
    assert code == 0, output
    assert not psutil.pid_exists(process.pid)

    alone, url = serve(database_url, tmp_path, "--no-worker")
    wait_for(url, alone)
    assert worker_children(alone) == []
    code, output = stop(alone)
    assert code == 0, output


def test_no_migrate_serves_an_unmigrated_database_as_not_ready(
    empty_database: str, tmp_path: Path
) -> None:
    process, url = serve(empty_database, tmp_path, "--no-migrate")
    response = wait_for(url, process)
    code, output = stop(process)
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["status"] == "fail"
    assert code == 0, output


def test_several_workers_serve_and_stop_cleanly(database_url: str, tmp_path: Path) -> None:
    metrics_dirs = set(Path(tempfile.gettempdir()).glob("hireboard-metrics-*"))
    process, url = serve(database_url, tmp_path, "--workers", "2")
    response = wait_for(url, process)
    sent = [f"several-{n}-{secrets.token_hex(6)}" for n in range(30)]
    # A new connection each time, so both workers answer some of them.
    before = readyz_count(httpx.get(url + "/metrics").text)
    ids = [
        httpx.get(url + "/readyz", headers={"x-request-id": i}).headers["x-request-id"]
        for i in sent
    ]
    after = readyz_count(httpx.get(url + "/metrics").text)
    code, output = stop(process, signal.SIGINT)
    assert response.status_code == 200
    assert ids == sent
    assert code == 0, output
    assert "with 2 workers" in output
    # Every worker logs JSON lines carrying the request id.
    logged = {line["request_id"] for line in json_lines(output) if line.get("event") == "request"}
    assert set(sent) <= logged
    # /metrics sums the processes, whichever one answered each scrape.
    assert after == before + 30
    assert set(Path(tempfile.gettempdir()).glob("hireboard-metrics-*")) <= metrics_dirs


def readyz_count(scraped: str) -> float:
    series = 'hireboard_http_requests_total{method="GET",route="/readyz",status="200"} '
    (line,) = (line for line in scraped.splitlines() if line.startswith(series))
    return float(line.removeprefix(series))


def json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(text) for text in output.splitlines() if text.startswith("{")]


def test_a_killed_serve_takes_its_worker_with_it(database_url: str, tmp_path: Path) -> None:
    process, url = serve(database_url, tmp_path)
    try:
        wait_for(url, process)
        (worker,) = worker_children(process)
        assert f"--parent-pid {process.pid}" in " ".join(worker.cmdline())
        process.kill()  # SIGKILL: serve gets no chance to stop its worker
        process.communicate(timeout=10)
        gone, alive = psutil.wait_procs([worker], timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    for orphan in alive:
        orphan.kill()
    assert alive == [], "the worker outlived its serve"
    assert gone == [worker]
