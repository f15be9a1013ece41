"""A resume's file name is client text too (issue 19.3): its control characters are dropped,
so they never reach the database, the download's headers or a terminal."""

from __future__ import annotations

import httpx
import pytest

from tests.candidates.test_resumes import upload
from tests.fixtures.world import World

pytestmark = pytest.mark.anyio


async def test_control_characters_in_a_file_name_are_dropped(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await upload(client, world, "\x1b[31mcv\x7f.txt", b"Go and Rust.", "text/plain")
    assert created.status_code == 201, created.text
    assert created.json()["filename"] == "[31mcv.txt"


async def test_a_nul_in_a_raw_multipart_file_name_is_no_server_error(
    client: httpx.AsyncClient, world: World
) -> None:
    """httpx escapes such names; a hand-made request sends the byte itself."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="cv\x00.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nGo and Rust.\r\n--b--\r\n"
    )
    created = await client.post(
        "/v1/me/resumes",
        content=body,
        headers={**world.headers("candidate"), "content-type": "multipart/form-data; boundary=b"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["filename"] == "cv.txt"
