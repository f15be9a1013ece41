from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.redis",
    "tests.fixtures.world",
    "tests.fixtures.s3",
    "tests.fixtures.fuzz",
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def keep_root_logging() -> Iterator[None]:
    """Restore the root logger (pytest's capture handlers) after code that configures it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
