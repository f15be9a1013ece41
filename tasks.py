#!/usr/bin/env python3
"""Set up and run hireboard from a fresh checkout; needs only Python 3.11+ and git.

    python3 tasks.py serve [serve options]   virtualenv + locked install + `hireboard serve`
    python3 tasks.py test  [pytest options]  virtualenv + locked install + every gate
    python3 tasks.py lock                    re-resolve requirements/*.txt (maintainers, needs uv)

Installs come from hashed lock files (pip --require-hashes), into .venv/ beside this file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HIREBOARD_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCKS = ROOT / "requirements"


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run(
        [str(a) for a in args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, check=False
    )
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv(*locks: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("hireboard needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        print(f"creating virtualenv {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    for name in locks:
        lock = LOCKS / f"{name}.txt"
        digest = hashlib.sha256(
            lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes()
        ).hexdigest()
        stamp = VENV / f".installed-{name}"
        if stamp.exists() and stamp.read_text() == digest:
            continue
        pip = [BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
        run(*pip, "--require-hashes", "--no-deps", "-r", lock)
        # The project itself: editable, built with the locked hatchling (no unpinned downloads).
        run(*pip, "--no-deps", "--no-build-isolation", "--editable", ROOT)
        stamp.write_text(digest)


def serve(args: list[str]) -> None:
    ensure_venv("build", "main")
    os.execv(BIN / "hireboard", [str(BIN / "hireboard"), "serve", *args])  # noqa: S606


def test(args: list[str]) -> None:
    ensure_venv("dev")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    run(BIN / "lint-imports")
    sql_dir = VENV / "migrations-sql"
    shutil.rmtree(sql_dir, ignore_errors=True)
    run(BIN / "hireboard", "db", "sql", "--output-dir", sql_dir)
    run(BIN / "squawk", "--config", ROOT / ".squawk.toml", *sorted(sql_dir.glob("*.sql")))
    run(BIN / "pytest", "--cov", "--cov-branch", "--cov-report=term", *args)


def lock(_: list[str]) -> None:
    uv = [
        "uv",
        "pip",
        "compile",
        "--generate-hashes",
        "--python-version",
        "3.11",
        "--python-platform",
        "x86_64-manylinux_2_28",
        "--quiet",
    ]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    run(*uv, "pyproject.toml", "-o", LOCKS / "main.txt", env=env)
    run(*uv, "pyproject.toml", "--group", "dev", "-o", LOCKS / "dev.txt", env=env)
    run(*uv, "--group", "build", "-o", LOCKS / "build.txt", env=env)


COMMANDS = {"serve": serve, "test": test, "lock": lock}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
