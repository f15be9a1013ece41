"""PostgreSQL settings for the embedded cluster, sized to the machine when it is created.

PostgreSQL's defaults (128 MB of shared buffers, 4 MB per sort, random I/O priced for
spinning disks) suit a laptop in 2005. The embedded cluster is the zero-configuration
default, so on its first start it is sized to the memory it may use: the smaller of the
machine's RAM and the cgroup limit of a container, or ``memory_mb`` when the operator
says so. The usual rules of thumb (PostgreSQL's wiki, pgtune):

- ``shared_buffers`` 25 % of memory, at most 8 GB (past that the OS cache does as well);
- ``effective_cache_size`` 75 % (what the planner may assume is cached, OS cache included);
- ``work_mem`` what is left after the buffers, spread over every connection running a
  few sorts or hashes at once (``max_connections`` x 4), between 4 MB and 256 MB;
- ``maintenance_work_mem`` 1/16 of memory, 64 MB to 2 GB (index builds, VACUUM);
- ``random_page_cost`` 1.1: data sits on SSDs or in memory, not on spinning disks.

The values go into ``hireboard-tuning.conf``, included from ``postgresql.conf``; explicit
``overrides`` are written after them and win. ``ALTER SYSTEM`` still overrides both.
Only a new cluster is tuned: an existing one keeps what its operator set.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

TUNING_FILE = "hireboard-tuning.conf"
MAX_CONNECTIONS = 100  # PostgreSQL's default, kept: workers x pool (20) fits with room
_MB = 1024 * 1024
_CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),  # cgroup v2
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),  # cgroup v1
)
_SETTING_NAME = re.compile(r"^[a-z_][a-z0-9_.]*$")


def machine_memory_mb() -> int:
    """RAM this process may use: physical memory, or less if a cgroup limits it."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in _CGROUP_LIMITS:
        try:
            limit = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if limit.isdigit():
            total = min(total, int(limit))
    return max(1, total // _MB)


def tuned_settings(memory_mb: int) -> dict[str, str]:
    """postgresql.conf values for a server that may use ``memory_mb`` of memory."""
    shared = _clamp(memory_mb // 4, 128, 8192)
    work = _clamp((memory_mb - shared) // (MAX_CONNECTIONS * 4), 4, 256)
    return {
        "shared_buffers": f"{shared}MB",
        "effective_cache_size": f"{max(memory_mb * 3 // 4, shared)}MB",
        "work_mem": f"{work}MB",
        "maintenance_work_mem": f"{_clamp(memory_mb // 16, 64, 2048)}MB",
        "random_page_cost": "1.1",
        "max_connections": str(MAX_CONNECTIONS),
    }


def write_tuning(pgdata: Path, memory_mb: int | None, overrides: dict[str, str]) -> dict[str, str]:
    """Writes the tuning file into a fresh cluster and includes it; returns what was set."""
    values = tuned_settings(memory_mb or machine_memory_mb()) | overrides
    lines = [f"{name} = {_quote(name, value)}" for name, value in values.items()]
    header = "# Written by hireboard when this cluster was created (see embedded_tuning.py).\n"
    (pgdata / TUNING_FILE).write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    with (pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"\ninclude = '{TUNING_FILE}'\n")
    return values


def _quote(name: str, value: str) -> str:
    if not _SETTING_NAME.fullmatch(name):
        raise ValueError(f"not a PostgreSQL setting name: {name!r}")
    if "\n" in value or "\r" in value:
        raise ValueError(f"the value of {name} spans lines")
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))
