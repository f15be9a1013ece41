"""File storage behind one small interface: a directory under the data directory by
default. Keys are random, files are never served from a path, only through the API."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol

from hireboard.config import Settings


class Storage(Protocol):
    def put(self, data: bytes) -> str: ...  # returns the new key
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in ``root`` (mode 0700), named by 128 random bits, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
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


def storage_for(settings: Settings) -> Storage:
    return LocalStorage(settings.data_dir / "files")
