"""An app without the statistics cache, a client on it, and a world of callers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hireboard.app import create_app
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.world import World, build_world, remove_world


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> FastAPI:
    return create_app(make_settings(database_url, tmp_path, stats_cache_seconds=0))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as http:
        yield http


@pytest.fixture
def world(client: httpx.AsyncClient, app: FastAPI, database_url: str) -> Iterator[World]:
    built = build_world(app, database_url)
    yield built
    remove_world(database_url, built)
