"""A worker tied to a parent process stops when that process is gone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hireboard.worker.parent import parent_gone
from hireboard.worker.runner import run_worker
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio


async def test_the_watch_waits_while_the_parent_lives() -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(parent_gone(os.getppid()), timeout=1.5)


async def test_the_watch_returns_once_the_parent_is_someone_else() -> None:
    # Our parent is not this process: as after serve died and we were re-parented.
    await asyncio.wait_for(parent_gone(os.getpid()), timeout=2)


async def test_the_worker_stops_gracefully_when_its_parent_is_gone(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, job_stall_timeout_s=2)
    stopped = run_worker(
        settings, database_url, install_signal_handlers=False, parent_pid=os.getpid()
    )
    await asyncio.wait_for(stopped, timeout=15)  # returns, rather than running forever


def test_a_worker_whose_parent_died_before_it_started_exits_at_once(
    database_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env |= {"HIREBOARD_DATABASE_URL": database_url, "HIREBOARD_DATA_DIR": str(tmp_path)}
    # Parent pid 1 is nobody's real parent here: the pid check after arming the signal.
    result = subprocess.run(
        [sys.executable, "-m", "hireboard", "worker", "--parent-pid", "1"],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"ended before its worker started" in result.stderr
