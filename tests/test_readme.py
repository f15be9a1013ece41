"""The README's shell blocks run as written, in order, in one shell, against a live server.

Every line of every ```sh block runs except those marked "not run by tests/test_readme.py"
(the two top commands, a browser, a minutes-long bulk load). Only the address and the
``.venv`` are rewritten: the server this test starts listens on a free port, and
``.venv/bin/`` becomes this test's own environment. ``curl`` fails on HTTP errors here,
so a broken example fails the test. The sample resume's PDF is checked against the test
helper that made it; ``python -m tests.test_readme`` writes it again after editing cv.txt.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.candidates.test_resumes import minimal_pdf
from tests.fixtures.database import private_tmp_dir
from tests.test_smoke import free_port

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLES = ROOT / "docs" / "examples"
MARKER = "not run by tests/test_readme.py"
ADDRESS = "http://127.0.0.1:8000"
VARIABLES = (
    "ACCESS_TOKEN",
    "REFRESH_TOKEN",
    "ORG_ID",
    "INVITATION_TOKEN",
    "GRACE_TOKEN",
    "API_KEY",
    "POSTING_ID",
    "RESUME_ID",
    "APPLICATION_ID",
)
# Each command's output follows a line naming it (bash's DEBUG trap; not inherited by
# functions or command substitutions, so outputs are not cut in the middle).
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --show-error "$@"; }
trap 'printf "\\n@@cmd<<%s>>cmd@@\\n" "$BASH_COMMAND"' DEBUG
"""
COMMAND = re.compile(r"\n@@cmd<<(.*?)>>cmd@@\n", re.DOTALL)


def cv_pdf() -> bytes:
    return minimal_pdf((EXAMPLES / "cv.txt").read_text())


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def runnable(block: str) -> str:
    """The block with its marked lines left out (each must be a whole command)."""
    lines = block.splitlines()
    kept = []
    for number, line in enumerate(lines):
        if MARKER in line:
            continued = number > 0 and lines[number - 1].endswith("\\")
            assert not line.endswith("\\") and not continued, (
                f"marked line inside a command: {line}"
            )
            kept.append(f": skipped: {line.split('#', 1)[0].strip()!r}")
        else:
            kept.append(line)
    return "\n".join(kept) + "\n"


def readme_script(base_url: str, bin_dir: str) -> str:
    blocks = sh_blocks(README.read_text())
    body = "".join(runnable(block) for block in blocks)
    assert ADDRESS in body and ".venv/bin/" in body, "the README no longer uses what is rewritten"
    body = body.replace(ADDRESS, base_url).replace(".venv/bin/", f"{bin_dir}/")
    epilogue = "".join(f'printf "\\n@@var %s=%s\\n" {v} "${v}"\n' for v in VARIABLES)
    return PRELUDE + body + "trap - DEBUG\n" + epilogue


def outputs(stdout: str) -> list[tuple[str, str]]:
    """(command, its output) in order."""
    parts = COMMAND.split(stdout)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def text_of(runs: list[tuple[str, str]], fragment: str) -> str:
    """The output of the one command containing ``fragment``."""
    matches = [out for command, out in runs if fragment in command]
    assert len(matches) == 1, (fragment, matches)
    return matches[0].split("\n@@var ", 1)[0]


def output_of(runs: list[tuple[str, str]], fragment: str) -> Any:
    return json.loads(text_of(runs, fragment))


def wait_until_ready(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    # Generous: initdb and the migrations on a loaded 2-core machine.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(base_url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve was never ready:\n{log.read_text()[-3000:]}")


def test_the_sample_pdf_is_what_the_test_helper_makes_of_the_text() -> None:
    assert (EXAMPLES / "cv.pdf").read_bytes() == cv_pdf(), (
        "run: .venv/bin/python -m tests.test_readme"
    )


def test_every_readme_block_runs_as_written_against_a_live_server() -> None:
    data_dir = private_tmp_dir("hireboard-readme-")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBOARD_")}
    env["HIREBOARD_DATA_DIR"] = str(data_dir / "data")
    bin_dir = str(Path(sys.prefix) / "bin")
    log = data_dir / "serve.log"
    with log.open("wb") as sink:  # a file, not a pipe nobody reads while the script runs
        server = subprocess.Popen(
            [f"{bin_dir}/hireboard", "serve", "--no-demo", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(base_url, server, log)
        result = subprocess.run(
            ["bash", "-c", readme_script(base_url, bin_dir)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()[-3000:]
        shutil.rmtree(data_dir, ignore_errors=True)
    runs = outputs(result.stdout)
    last = runs[-1][0] if runs else "(none)"
    assert result.returncode == 0, f"failed at: {last}\n{result.stdout[-3000:]}\n{result.stderr}"
    found = dict(re.findall(r"^@@var (\w+)=(.*)$", result.stdout, flags=re.MULTILINE))
    assert all(found.get(name) for name in VARIABLES), found
    search = output_of(runs, "/v1/postings?q=backend")
    assert found["POSTING_ID"] in [item["id"] for item in search["items"]]
    shortlist = output_of(runs, "min_match_score=0.7")
    assert [item["id"] for item in shortlist["items"]] == [found["APPLICATION_ID"]]
    assert output_of(runs, "/transitions")["stage"] == "interview"
    members = output_of(runs, '/members -H "$AUTH"')
    assert "grace@example.com" in [member["email"] for member in members["items"]]
    # `|| [ $? = 1 ]` would also pass a clean exit: the errors must be there.
    assert "\nerror " in "\n" + text_of(runs, "hireboard jd check")


if __name__ == "__main__":
    (EXAMPLES / "cv.pdf").write_bytes(cv_pdf())
