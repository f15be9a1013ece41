"""File storage behind one small interface: a directory under the data directory by
default, an S3-compatible bucket when ``HIREBOARD_S3_BUCKET`` is set. Keys are random,
files are never served from a path or a bucket URL, only through the API.

The interface is synchronous (boto3 is); async code calls it through ``in_thread`` so a
slow disk or bucket never blocks the event loop.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NoReturn, Protocol, TypeVar, TypeVarTuple

import anyio.to_thread
import boto3.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from hireboard.config import Settings
from hireboard.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger("hireboard.storage")
T = TypeVar("T")
Args = TypeVarTuple("Args")


class Storage(Protocol):
    def put(self, data: bytes) -> str: ...  # returns the new key
    def get(self, key: str) -> bytes: ...  # FileNotFoundError when there is no such file
    def delete(self, key: str) -> None: ...  # nothing to delete is not an error


async def in_thread(call: Callable[[*Args], T], *args: *Args) -> T:
    return await anyio.to_thread.run_sync(call, *args)


def new_key() -> str:
    """128 random bits: unguessable, and safe as a file or object name."""
    return secrets.token_hex(16)


def _name(key: str) -> str:
    """``ab/ab12...``: the same layout on disk and in a bucket, so files can be copied over."""
    if not key.isalnum():
        raise ValueError("invalid storage key")
    return f"{key[:2]}/{key}"


class LocalStorage:
    """Files in ``root`` (mode 0700), named by 128 random bits, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _name(key)

    def put(self, data: bytes) -> str:
        key = new_key()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        scratch = path.with_suffix(".part")
        with open(scratch, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        scratch.replace(path)
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


Encryption = Literal["AES256", "aws:kms"]


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    title = "File storage is unavailable"


@contextmanager
def _answering() -> Iterator[None]:
    """A bucket that fails after boto3's bounded retries is a 503, not a crash."""
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            raise FileNotFoundError() from None
        _failed(exc, exc.response.get("Error", {}).get("Code", ""))
    except BotoCoreError as exc:
        _failed(exc, "")


def _failed(exc: Exception, code: str) -> NoReturn:
    logger.warning("object storage failed", extra={"error": type(exc).__name__, "code": code})
    raise StorageUnavailable(
        "File storage is unavailable; retry shortly.", headers={"Retry-After": "5"}
    ) from exc


class S3Storage:
    """Objects in a bucket under ``prefix``, written without an ACL (private, as the bucket
    is: objects are never public) and encrypted at rest unless ``encryption`` is None."""

    def __init__(
        self, client: S3Client, bucket: str, prefix: str, encryption: Encryption | None
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.encryption = encryption

    def object_name(self, key: str) -> str:
        return self.prefix + _name(key)

    def put(self, data: bytes) -> str:
        key = new_key()
        name = self.object_name(key)
        with _answering():
            if self.encryption is None:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=data)
            else:
                self.client.put_object(
                    Bucket=self.bucket, Key=name, Body=data, ServerSideEncryption=self.encryption
                )
        return key

    def get(self, key: str) -> bytes:
        with _answering():
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
            with response["Body"] as body:
                data = body.read()
        return data

    def delete(self, key: str) -> None:
        with _answering():
            self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))


@dataclass(frozen=True)
class S3Config:
    bucket: str
    prefix: str
    endpoint_url: str | None
    region: str | None
    access_key_id: SecretStr | None
    secret_access_key: SecretStr | None
    addressing_style: Literal["auto", "path", "virtual"]
    encryption: Encryption | None
    connect_timeout_s: float
    read_timeout_s: float
    max_attempts: int

    @classmethod
    def of(cls, settings: Settings, bucket: str) -> S3Config:
        encryption = settings.s3_server_side_encryption
        return cls(
            bucket=bucket,
            prefix=settings.s3_key_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            addressing_style=settings.s3_addressing_style,
            encryption=None if encryption == "none" else encryption,
            connect_timeout_s=settings.s3_connect_timeout_s,
            read_timeout_s=settings.s3_read_timeout_s,
            max_attempts=settings.s3_max_attempts,
        )


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


@lru_cache(maxsize=8)
def _s3_storage(config: S3Config) -> S3Storage:
    """One client per configuration: building one costs milliseconds; clients are
    thread-safe. Without explicit keys boto3's standard chain applies (AWS_* variables,
    shared config, instance or pod role)."""
    session = boto3.session.Session(
        aws_access_key_id=_secret(config.access_key_id),
        aws_secret_access_key=_secret(config.secret_access_key),
        region_name=config.region,
    )
    client = session.client(
        "s3",
        endpoint_url=config.endpoint_url,
        config=Config(
            connect_timeout=config.connect_timeout_s,
            read_timeout=config.read_timeout_s,
            retries={"max_attempts": config.max_attempts, "mode": "standard"},
            s3={"addressing_style": config.addressing_style},
        ),
    )
    return S3Storage(client, config.bucket, config.prefix, config.encryption)


def storage_for(settings: Settings) -> Storage:
    if settings.s3_bucket is not None:
        return _s3_storage(S3Config.of(settings, settings.s3_bucket))
    return LocalStorage(settings.data_dir / "files")
