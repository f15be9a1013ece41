"""Resumes in an S3-compatible bucket: the same API, objects private, keys random, and
nothing left behind by deletion, erasure or a refused upload."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError

from hireboard.app import create_app
from hireboard.config import Settings
from hireboard.storage import LocalStorage, S3Storage, StorageUnavailable, storage_for
from tests.candidates.test_resumes import minimal_pdf, upload, zip_bomb
from tests.fixtures.app import running
from tests.fixtures.s3 import objects, s3_client, s3_settings
from tests.fixtures.world import World
from tests.identity.test_email_flows import worker
from tests.test_jobs import eventually

pytestmark = pytest.mark.anyio
OBJECT_NAME = re.compile(r"^uploads/([0-9a-f]{2})/(\1[0-9a-f]{30})$")


@pytest.fixture
def settings(database_url: str, tmp_path: Path, s3_endpoint: str, s3_bucket: str) -> Settings:
    """Every app in this module stores its files in the test's bucket."""
    return s3_settings(database_url, tmp_path, s3_endpoint, s3_bucket)


async def test_resume_round_trip_through_the_bucket(
    client: httpx.AsyncClient,
    world: World,
    app: FastAPI,
    database_url: str,
    s3_endpoint: str,
    s3_bucket: str,
) -> None:
    before = objects(s3_endpoint, s3_bucket)  # the world's own resume
    data = minimal_pdf("Senior engineer: Python, Terraform")
    created = await upload(client, world, "cv.pdf", data, "application/pdf")
    assert created.status_code == 201, created.text
    again = await upload(client, world, "cv.pdf", data, "application/pdf")
    added = objects(s3_endpoint, s3_bucket) - before
    assert len(added) == 2  # the same bytes twice: two random, unrelated names
    assert all(OBJECT_NAME.match(name) for name in added)
    assert not (app.state.settings.data_dir / "files").exists()  # nothing on local disk

    client_s3 = s3_client(s3_endpoint)
    for name in added:
        head = client_s3.head_object(Bucket=s3_bucket, Key=name)
        assert head["ServerSideEncryption"] == "AES256"
        grants = client_s3.get_object_acl(Bucket=s3_bucket, Key=name)["Grants"]
        assert [g["Grantee"].get("Type") for g in grants] == ["CanonicalUser"]  # owner only

    path = f"/v1/resumes/{created.json()['id']}"
    async with worker(app.state.settings, database_url):  # the job reads the bucket too
        for _ in range(200):
            body = (await client.get(path, headers=world.headers("candidate"))).json()
            if body["status"] != "pending":
                break
            await asyncio.sleep(0.1)
    assert body["status"] == "parsed" and "Terraform" in body["proposed_skills"], body
    download = await client.get(path + "/file", headers=world.headers("candidate"))
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-disposition"].startswith("attachment")

    deleted = await client.delete(path, headers=world.headers("candidate"))
    assert deleted.status_code == 204
    kept = {name for name in added if name.endswith(_key(database_url, again.json()["id"]))}
    async with worker(app.state.settings, database_url):  # the object goes by a job
        await eventually(lambda: objects(s3_endpoint, s3_bucket) - before == kept)


def _key(database_url: str, resume_id: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT storage_key FROM resumes WHERE id = %s", (resume_id,)).fetchone()
    assert row is not None
    return str(row[0])


async def test_refused_uploads_store_no_object(
    client: httpx.AsyncClient, world: World, s3_endpoint: str, s3_bucket: str
) -> None:
    before = objects(s3_endpoint, s3_bucket)
    bomb = await upload(client, world, "cv.docx", zip_bomb(), "application/octet-stream")
    lying = await upload(client, world, "cv.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    big = await upload(client, world, "cv.txt", b"a" * (10 * 1024 * 1024 + 1), "text/plain")
    assert (bomb.status_code, lying.status_code, big.status_code) == (413, 415, 413)
    assert objects(s3_endpoint, s3_bucket) == before


async def test_erasure_removes_the_objects(
    client: httpx.AsyncClient,
    world: World,
    app: FastAPI,
    database_url: str,
    s3_endpoint: str,
    s3_bucket: str,
) -> None:
    for text in (b"Python and PostgreSQL.", b"Go and Kubernetes."):
        created = await upload(client, world, "cv.txt", text, "text/plain")
        assert created.status_code == 201
    assert len(objects(s3_endpoint, s3_bucket)) == 3  # with the world's resume
    erased = await client.delete("/v1/me", headers=world.headers("candidate"))
    assert erased.status_code == 204
    async with worker(app.state.settings, database_url):
        await eventually(lambda: objects(s3_endpoint, s3_bucket) == set())


def _delete_attempts(database_url: str, key: str) -> tuple[str, int] | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT status::text, attempts FROM procrastinate_jobs "
            "WHERE task_name = 'candidates.delete_file' AND args->>'storage_key' = %s",
            (key,),
        ).fetchone()
    return (str(row[0]), int(row[1])) if row else None


async def test_a_file_deletion_outlasts_a_failing_bucket(
    client: httpx.AsyncClient,
    world: World,
    app: FastAPI,
    database_url: str,
    tmp_path: Path,
    s3_endpoint: str,
    s3_bucket: str,
) -> None:
    created = await upload(client, world, "cv.txt", b"Rust and Zig.", "text/plain")
    key = _key(database_url, created.json()["id"])
    path = f"/v1/resumes/{created.json()['id']}"
    assert (await client.delete(path, headers=world.headers("candidate"))).status_code == 204

    def stored() -> bool:
        return any(name.endswith(key) for name in objects(s3_endpoint, s3_bucket))

    # A worker whose bucket fails: the attempt fails and the job waits for its retry.
    broken = s3_settings(database_url, tmp_path, s3_endpoint, "hireboard-no-such-bucket")
    async with worker(broken, database_url):
        await eventually(lambda: (_delete_attempts(database_url, key) or ("", 0))[1] >= 1)
    assert _delete_attempts(database_url, key) == ("todo", 1) and stored()
    async with worker(app.state.settings, database_url):  # the storage is back
        await eventually(lambda: not stored(), within=40)
    assert _delete_attempts(database_url, key) == ("succeeded", 2)


async def test_a_failing_bucket_is_a_503_and_stores_nothing(
    database_url: str, tmp_path: Path, s3_endpoint: str, world: World, client: httpx.AsyncClient
) -> None:
    missing = s3_settings(database_url, tmp_path, s3_endpoint, "hireboard-no-such-bucket")
    # Same data directory, so the same development signing key: the world's tokens work.
    async with running(create_app(missing)) as other:
        refused = await upload(other, world, "cv.txt", b"Python.", "text/plain")
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "storage_unavailable" and refused.headers["retry-after"]
    listed = (await client.get("/v1/me/resumes", headers=world.headers("candidate"))).json()
    assert [r["id"] for r in listed["items"]] == [str(world.resume_id)]
    with pytest.raises(StorageUnavailable):
        storage_for(missing).get("ab" * 16)


def test_missing_objects_and_plain_encryption(
    database_url: str, tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    plain = s3_settings(
        database_url, tmp_path, s3_endpoint, s3_bucket, s3_server_side_encryption="none"
    )
    storage = storage_for(plain)
    assert isinstance(storage, S3Storage) and storage_for(plain) is storage  # one client
    sent: list[str] = []
    storage.client.meta.events.register(
        "before-send.s3.PutObject",
        lambda request, **_: sent.append(request.headers.get("x-amz-server-side-encryption", "")),
    )
    key = storage.put(b"Hello")
    assert sent == [""]  # a store without KMS (plain MinIO) refuses the header
    assert storage.get(key) == b"Hello"
    storage.delete(key)
    storage.delete(key)  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        storage.get(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.get("../etc/passwd")


def test_settings_select_and_check_the_backend(database_url: str, tmp_path: Path) -> None:
    local = Settings(data_dir=tmp_path)
    assert isinstance(storage_for(local), LocalStorage)
    assert Settings(s3_key_prefix="/hire/board").s3_key_prefix == "hire/board/"
    assert Settings(s3_key_prefix="").s3_key_prefix == ""
    for bad in (
        {"s3_key_prefix": "a/../b"},
        {"s3_key_prefix": "a b"},
        {"s3_endpoint_url": "ftp://minio"},
        {"s3_bucket": "Not_A_Bucket"},
        {"s3_access_key_id": SecretStr("only-the-id")},
    ):
        with pytest.raises(ValidationError):
            Settings(**bad)
