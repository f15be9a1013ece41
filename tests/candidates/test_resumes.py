"""Profiles and resumes: uploads judged by their bytes, hostile files refused, parsing."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import httpx
import psycopg
import pytest
from docx import Document
from fastapi import FastAPI

from tests.fixtures.world import World
from tests.identity.test_email_flows import worker
from tests.test_jobs import eventually

pytestmark = pytest.mark.anyio


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose page shows ``text`` (written by hand, with a correct xref).

    Each line of ``text`` is a line of the page; docs/examples/cv.pdf is made by this too.
    """
    lines = [_pdf_string(line) for line in text.splitlines() or [""]]
    stream = f"BT /F1 12 Tf 72 720 Td {' 0 -14 Td '.join(lines)} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_string(line: str) -> str:
    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped}) Tj"


def docx_bytes(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A DOCX-shaped archive whose document part expands from kilobytes to 60 MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient, world: World, name: str, data: bytes, declared: str
) -> httpx.Response:
    return await client.post(
        "/v1/me/resumes",
        files={"file": (name, data, declared)},
        headers=world.headers("candidate"),
    )


def stored_files(app: FastAPI) -> list[Path]:
    root: Path = app.state.settings.data_dir / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_profile_round_trip(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers("candidate")
    empty = await client.get("/v1/me/profile", headers=headers)
    assert empty.status_code == 200 and empty.json()["skills"] == []
    saved = await client.put(
        "/v1/me/profile",
        json={
            "headline": "Data engineer",
            "skills": [{"name": "postgres", "years": 4}, {"name": "k8s", "level": "advanced"}],
            "desired_levels": ["senior"],
            "desired_role_families": ["data-engineer"],
            "desired_workplace_types": ["remote"],
            "pay_expectation": {"amount": 120000, "currency": "EUR", "period": "year"},
            "visibility": "employers",
        },
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    assert [s["name"] for s in saved.json()["skills"]] == ["PostgreSQL", "Kubernetes"]
    assert (await client.get("/v1/me/profile", headers=headers)).json()["visibility"] == "employers"
    bad = await client.put("/v1/me/profile", json={"age": 40}, headers=headers)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("name", "data", "content_type", "skills"),
    [
        ("cv.txt", b"Python and PostgreSQL on Kubernetes.", "text/plain", "Kubernetes"),
        (
            "cv.pdf",
            minimal_pdf("Senior engineer: Python, Terraform"),
            "application/pdf",
            "Terraform",
        ),
        (
            "cv.docx",
            docx_bytes("I build React apps in TypeScript."),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "TypeScript",
        ),
    ],
)
async def test_each_allowed_type_is_parsed(
    client: httpx.AsyncClient,
    world: World,
    app: FastAPI,
    database_url: str,
    name: str,
    data: bytes,
    content_type: str,
    skills: str,
) -> None:
    # Declared as something else: only the bytes decide.
    response = await upload(client, world, name, data, "application/octet-stream")
    assert response.status_code == 201, response.text
    resume = response.json()
    assert resume["content_type"] == content_type and resume["status"] == "pending"
    path = f"/v1/resumes/{resume['id']}"
    async with worker(app.state.settings, database_url):
        for _ in range(200):
            body = (await client.get(path, headers=world.headers("candidate"))).json()
            if body["status"] != "pending":
                break
            await asyncio.sleep(0.1)
    final = (await client.get(path, headers=world.headers("candidate"))).json()
    assert final["status"] == "parsed", final
    assert skills in final["proposed_skills"]
    download = await client.get(path + "/file", headers=world.headers("candidate"))
    assert download.content == data
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    for other in ("outsider", "owner", "platform_admin"):
        assert (await client.get(path, headers=world.headers(other))).status_code == 404
        assert (await client.get(path + "/file", headers=world.headers(other))).status_code == 404
    assert (await client.get(path)).status_code == 401


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("cv.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, 415, "unsupported_file_type"),
        ("cv.txt", b"text with a \x00 byte", 415, "unsupported_file_type"),
        ("cv.docx", b"PK\x03\x04 not really a zip", 415, "unsupported_file_type"),
        ("cv.txt", b"\xff\xfe\xfd not utf-8", 415, "unsupported_file_type"),
        ("cv.txt", b"a" * (10 * 1024 * 1024 + 1), 413, "payload_too_large"),
        ("cv.docx", zip_bomb(), 413, "archive_too_large"),
    ],
)
async def test_hostile_files_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient,
    world: World,
    app: FastAPI,
    database_url: str,
    name: str,
    data: bytes,
    status: int,
    code: str,
) -> None:
    before = stored_files(app)  # the world's own resume
    response = await upload(client, world, name, data, "application/pdf")
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert stored_files(app) == before
    with psycopg.connect(database_url) as conn:
        count = conn.execute(
            "SELECT count(*) FROM resumes WHERE user_id = %s", (world.users["candidate"],)
        ).fetchone()
    assert count == (1,)  # the world's resume only


async def test_delete_removes_the_file(
    client: httpx.AsyncClient, world: World, app: FastAPI, database_url: str
) -> None:
    before = stored_files(app)
    created = await upload(client, world, "cv.txt", b"Go and Rust.", "text/plain")
    path = f"/v1/resumes/{created.json()['id']}"
    assert len(stored_files(app)) == len(before) + 1
    assert (await client.delete(path, headers=world.headers("outsider"))).status_code == 404
    assert (await client.delete(path, headers=world.headers("candidate"))).status_code == 204
    assert (await client.get(path, headers=world.headers("candidate"))).status_code == 404
    # The file goes by a job queued with the row's deletion.
    assert len(stored_files(app)) == len(before) + 1
    async with worker(app.state.settings, database_url):
        await eventually(lambda: stored_files(app) == before)
    listed = await client.get("/v1/me/resumes", headers=world.headers("candidate"))
    assert [r["id"] for r in listed.json()["items"]] == [str(world.resume_id)]
