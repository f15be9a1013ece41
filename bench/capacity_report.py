"""The server's environment and the report of ``bench/capacity.py``.

The report is a markdown block between two markers in bench/README.md; a new run
replaces the previous block, so the README always shows the latest figures with the
machine, the commit and the commands that produced them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import secrets
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from capacity_load import Figures
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- capacity:begin -->", "<!-- capacity:end -->"
SETTINGS = ["shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"]


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: str  # which list of paths (bench/capacity_data.py)
    connections: int  # wrk connections or k6 clients; 0 at a fixed rate
    seconds: int
    target: str
    warmup: bool = True  # 2 s with the same paths first (not for distinct ones)
    rate: int = 0  # k6 at a fixed offered rate (requests/s)


@dataclass(frozen=True)
class Run:
    scenario: Scenario
    figures: Figures
    command: str


class CpuMeter:
    """CPU time the rest of the machine used during the run, as a share of every core's.

    The machine is shared: figures taken while other work runs are lower than the code
    deserves, so the report says how much of the machine was not ours. Ours is this
    process and every child it has reaped (server, wrk, k6) plus the PostgreSQL server's
    postmaster with the backends it has reaped.
    """

    def __init__(self, postmaster: Path) -> None:
        self._postmaster = postmaster
        self._start = (time.monotonic(), _busy_s(), self._ours_s())

    def others_share(self) -> float:
        started, busy, ours = self._start
        others = (_busy_s() - busy) - (self._ours_s() - ours)
        return max(0.0, others / ((time.monotonic() - started) * (os.cpu_count() or 1)))

    def _ours_s(self) -> float:
        times = os.times()
        pid = self._postmaster.read_text(encoding="utf-8").split("\n", 1)[0]
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        postgres = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        return times.user + times.system + times.children_user + times.children_system + postgres


def _busy_s() -> float:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq)."""
    fields = [int(f) for f in Path("/proc/stat").read_text(encoding="utf-8").split()[1:8]]
    return (sum(fields[:3]) + fields[5] + fields[6]) / os.sysconf("SC_CLK_TCK")


def production_env(args: argparse.Namespace, url: str) -> dict[str, str]:
    """What production requires, with throwaway secrets; the embedded server's socket is the
    configured database (production runs no embedded one of its own)."""
    key = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env |= {
        "HIREBOARD_ENV": "production",
        "HIREBOARD_DATA_DIR": str(args.data_dir),
        "HIREBOARD_DATABASE_URL": url,
        "HIREBOARD_PORT": str(args.port),
        "HIREBOARD_PUBLIC_URL": f"http://127.0.0.1:{args.port}",
        "HIREBOARD_SMTP_HOST": "127.0.0.1",  # read-only load: no mail is sent
        "HIREBOARD_JWT_PRIVATE_KEY": key.decode(),
        "HIREBOARD_METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    if args.redis_url:
        env["HIREBOARD_REDIS_URL"] = args.redis_url
    return env


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see server.log")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {timeout_s} s")


def settle(base: str) -> None:
    """Between scenarios: what one left running (queued requests, statements) drains."""
    time.sleep(3)
    _first_ok(f"{base}/healthz")


def with_recovery(figures: Figures, base: str) -> Figures:
    """How long after the load stops until a search answers 200 again."""
    took = _first_ok(f"{base}/v1/postings?q=engineer")
    return noted(figures, f"a search answered 200 {took:.2f} s after the load")


def _first_ok(url: str, limit_s: float = 300) -> float:
    """Seconds until ``url`` answers 200 (each try waits up to 60 s)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        try:
            if httpx.get(url, timeout=60).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return time.perf_counter() - started


def noted(figures: Figures, note: str) -> Figures:
    return dataclasses.replace(figures, note="; ".join(filter(None, [figures.note, note])))


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _share(part: int, whole: int) -> str:
    return f"{part:,} ({100 * part / whole:.1f}%)" if part and whole else "0"


def row(run: Run) -> str:
    s, f = run.scenario, run.figures
    load = f"{s.rate:,} req/s offered" if s.rate else f"{s.connections}"
    cells = [
        s.name,
        load,
        f"{f.rps:,.0f}" if f.rps >= 100 else f"{f.rps:.1f}",
        _ms(f.p50_ms),
        _ms(f.p95_ms),
        _ms(f.p99_ms),
        _share(f.errors, f.requests),
        _share(f.shed, f.requests),
        s.target,
        f.note,
    ]
    return "| " + " | ".join(cells) + " |"


def block(
    args: argparse.Namespace,
    runs: list[Run],
    url: str,
    postings: int,
    arguments: str,
    others: float,
) -> str:
    header = (
        "| scenario | connections | req/s | p50 | p95 | p99 | errors | 503 + Retry-After "
        "| target | notes |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    commands = "\n".join(run.command for run in runs)
    return "\n".join(
        [
            BEGIN,
            "### Latest figures",
            "",
            *_context(args, url, postings, others),
            "",
            header,
            *(row(run) for run in runs),
            "",
            "The command, then each load generator's (path files in the work directory):",
            "",
            "```sh",
            f".venv/bin/python bench/capacity.py {arguments}".rstrip(),
            commands,
            "```",
            END,
        ]
    )


def _context(args: argparse.Namespace, url: str, postings: int, others: float) -> list[str]:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        values = [conn.execute("SELECT current_setting(%s)", (n,)).fetchone() for n in SETTINGS]
    settings = ", ".join(f"{n} {v[0] if v else '?'}" for n, v in zip(SETTINGS, values, strict=True))
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"Measured {when} at commit {_commit()}. The machine is shared: other processes "
        f"used {others:.0%} of its CPU time during the run (load average before the start "
        f"{args.load_average}).",
        f"- Machine: {_machine()}, Python {platform.python_version()}, PostgreSQL "
        f"{version[0] if version else '?'} (embedded; {settings}).",
        f"- Data: {postings:,} postings (`hireboard seed synthetic`) in `{args.data_dir}`.",
        "- Server: `HIREBOARD_ENV=production hireboard serve --no-demo --no-worker --workers "
        f"{args.workers}` on the embedded server's socket"
        f"{', Redis' if args.redis_url else ', no Redis'}; default settings otherwise.",
        "- Load: wrk (one thread, `bench/paths.lua`) and k6 (`bench/mix.js`) on the same cores, "
        "over loopback. Latency of every request, except the overload row: admitted ones only. "
        "Errors are every status >= 400, timeout (10 s) or socket error that is not a 503 "
        "with Retry-After.",
    ]


def _machine() -> str:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text(encoding="utf-8"))
    memory = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(encoding="utf-8"))
    gib = int(memory.group(1)) / 2**20 if memory else 0
    return f"{os.cpu_count()} cores ({cpu.group(1) if cpu else '?'}), {gib:.0f} GiB RAM"


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, cwd=README.parent
        ).stdout

    head = git("log", "-1", "--format=%h %s").strip()
    head = head if len(head) <= 72 else head[:71] + "…"
    dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    return f"`{head}`" + (" with uncommitted changes" if dirty else "")


def write_readme(text: str) -> None:
    current = README.read_text(encoding="utf-8")
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        README.write_text(before + text + after, encoding="utf-8")
    else:
        README.write_text(current.rstrip("\n") + "\n\n" + text + "\n", encoding="utf-8")
