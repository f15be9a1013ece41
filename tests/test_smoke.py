"""The README's promise, end to end: a plain `pip install .`, then `hireboard serve`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

import httpx
import pytest

from tests.fixtures.database import private_tmp_dir

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.smoke


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        assert process.poll() is None, "serve exited before it was ready"
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"/readyz did not answer 200 within {timeout} s")


def start_serve(hireboard: Path, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env |= {"HIREBOARD_DATA_DIR": str(data_dir), "HIREBOARD_PORT": str(port)}
    return subprocess.Popen(
        [str(hireboard), "serve"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    return process.returncode, output.decode()


def test_installed_package_serves_on_embedded_postgres(tmp_path: Path) -> None:
    env_dir = private_tmp_dir("hireboard-smoke-venv-")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # Dependencies first from the hashed lock (fast when cached), then the plain install.
    subprocess.run(
        [*pip, "--require-hashes", "-r", str(ROOT / "requirements" / "main.txt")], check=True
    )
    subprocess.run([*pip, str(ROOT)], check=True, stdin=subprocess.DEVNULL)
    hireboard = env_dir / "bin" / "hireboard"
    data_dir = private_tmp_dir("hireboard-smoke-data-")
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    process = start_serve(hireboard, data_dir, port)
    cold = wait_ready(url, process)
    response = httpx.get(url + "/v1/unknown")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    code, output = stop(process)
    assert code == 0, output
    assert f"hireboard is serving on {url}" in output
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL still running"

    process = start_serve(hireboard, data_dir, port)
    warm = wait_ready(url, process)
    # Another command attaches to the running server and leaves it running.
    current = subprocess.run(
        [str(hireboard), "db", "current"],
        env={"HIREBOARD_DATA_DIR": str(data_dir), "PATH": os.environ["PATH"]},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert current.returncode == 0, current.stderr
    assert "up to date" in current.stdout
    assert httpx.get(url + "/readyz").status_code == 200
    # Only a second serve is refused.
    second = start_serve(hireboard, data_dir, free_port())
    second_output, _ = second.communicate(timeout=30)
    assert second.returncode == 1
    assert b"already running" in second_output
    code, output = stop(process, signal.SIGINT)
    assert code == 0, output
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL still running"
    print(f"\nserve ready: cold {cold:.2f} s, warm {warm:.2f} s", file=sys.stderr)
