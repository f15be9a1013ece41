from __future__ import annotations

import pytest

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.app"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
