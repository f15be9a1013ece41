"""Time from `hireboard serve` to /readyz 200, cold (new data directory) and warm.

    .venv/bin/python bench/serve_start.py [--runs 3]

Uses the `hireboard` next to this interpreter; no test asserts on these figures.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HIREBOARD = Path(sys.executable).parent / "hireboard"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_to_ready(data_dir: Path) -> float:
    port = free_port()
    env = {
        "HIREBOARD_DATA_DIR": str(data_dir),
        "HIREBOARD_PORT": str(port),
        "PATH": "/usr/bin:/bin",
    }
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(HIREBOARD), "serve"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - start
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    cold, warm = [], []
    for _ in range(runs):
        data_dir = Path(tempfile.mkdtemp(prefix="hireboard-bench-"))
        data_dir.chmod(0o711)
        try:
            cold.append(time_to_ready(data_dir))
            warm.append(time_to_ready(data_dir))
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"cold: median {statistics.median(cold):.2f} s  runs {[round(c, 2) for c in cold]}")
    print(f"warm: median {statistics.median(warm):.2f} s  runs {[round(w, 2) for w in warm]}")


if __name__ == "__main__":
    main()
