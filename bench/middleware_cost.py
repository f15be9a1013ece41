"""Middleware cost: a bare ASGI app's /healthz against the app's own, same server, same run.

    .venv/bin/python bench/middleware_cost.py --workers 1 --duration 10

Starts uvicorn as ``serve`` does (uvloop, httptools, no access log) on the bare app below,
runs ``wrk -t1 -c64``, stops it, then does the same with ``hireboard serve --no-worker``
(on ``HIREBOARD_DATABASE_URL``, or the embedded database of ``HIREBOARD_DATA_DIR``), and
prints both rates and their ratio (issue 20's target: ours >= 0.6 of bare).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

Message = MutableMapping[str, Any]
_BODY = b'{"status":"ok","checks":{}}'


async def bare(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """The least an ASGI app can do to answer /healthz with our body."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"27")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _BODY})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server never answered")


def wrk(url: str, duration_s: int, connections: int) -> tuple[float, str]:
    """Requests per second and the p99 line from ``wrk --latency``."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+(\S+)", output)
    if rate is None:
        raise SystemExit(output)
    return float(rate.group(1)), p99.group(1) if p99 else "?"


def measure(command: list[str], port: int, args: argparse.Namespace) -> tuple[float, str]:
    env = {**os.environ, "HIREBOARD_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        wrk(url + "/healthz", 2, args.connections)  # warm-up
        return wrk(url + "/healthz", args.duration, args.connections)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    port = free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", "bench.middleware_cost:bare", "--port", str(port)]
    uvicorn += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    uvicorn += ["--workers", str(args.workers), "--log-level", "warning"]
    ours = [sys.executable, "-m", "hireboard", "serve", "--no-worker", "--port", str(port)]
    ours += ["--workers", str(args.workers)]
    bare_rate, bare_p99 = measure(uvicorn, port, args)
    our_rate, our_p99 = measure(ours, port, args)
    print(f"bare ASGI /healthz: {bare_rate:,.0f} req/s (p99 {bare_p99})")
    print(f"hireboard /healthz: {our_rate:,.0f} req/s (p99 {our_p99})")
    print(f"ratio: {our_rate / bare_rate:.2f} (target >= 0.6)")


if __name__ == "__main__":
    main()
