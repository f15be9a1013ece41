"""Header sections: at most HIREBOARD_MAX_HEADER_COUNT fields and MAX_HEADER_BYTES bytes."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.test_serve import serve, stop, wait_for

pytestmark = pytest.mark.anyio


async def test_too_many_or_too_large_headers_are_431_problem(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, max_header_bytes=8192, max_header_count=20)
    async with running(create_app(settings)) as client:
        many = await client.get("/healthz", headers={f"x-h{n}": "1" for n in range(25)})
        large = await client.get("/healthz", headers={"x-large": "a" * 9000})
        fine = await client.get("/healthz", headers={"x-fine": "a" * 4000})
    for refused in (many, large):
        assert refused.status_code == 431
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "request_headers_too_large"
        assert refused.json()["request_id"] == refused.headers["x-request-id"]
    assert fine.status_code == 200


def raw_request(address: tuple[str, int], header_bytes: int) -> bytes:
    """Sends a header section of ``header_bytes`` that never ends; returns what comes back."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: " + b"a" * header_bytes)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def stream_headers(address: tuple[str, int], total: int) -> int:
    """Streams a header of ``total`` bytes; returns how many the server took before closing."""
    sent = 0
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ")
        try:
            while sent < total:
                sent += sock.send(b"a" * 65536)
        except OSError:  # reset or broken pipe: the server stopped reading
            pass
    return sent


def test_serve_stops_reading_a_header_section_past_the_limit(
    database_url: str, tmp_path: Path
) -> None:
    process, url = serve(database_url, tmp_path, "--no-worker")
    try:
        assert wait_for(url, process).status_code == 200
        parts = urlsplit(url)
        address = (parts.hostname or "", parts.port or 0)
        answer = raw_request(address, 40 * 1024)
        sent = stream_headers(address, 50 * 1024 * 1024)
        still_up = httpx.get(url + "/healthz", timeout=5)
    finally:
        stop(process)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert b"content-type: application/problem+json" in head
    assert b'"code":"request_headers_too_large"' in body
    # What the kernel buffers for a socket, not 50 MB: the connection was closed early.
    assert sent < 16 * 1024 * 1024
    assert still_up.status_code == 200
