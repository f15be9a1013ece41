"""``hireboard seed synthetic`` and ``db upgrade`` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from hireboard.cli.main import app
from hireboard.cli.seed import IN_USE, _data_dir_lock
from hireboard.embedded import DataDirInUse, ServeLock
from hireboard.seed.indexes import drop_indexes
from tests.fixtures.database import make_settings
from tests.seed.conftest import BULK_TABLES, count, indexes, leftovers

runner = CliRunner()
DUMMY_URL = "postgresql://nobody@localhost/unused"


@pytest.fixture(autouse=True)
def _logging(keep_root_logging: None) -> None:
    """The CLI installs its JSON handler on the root logger."""


def env(url: str, data_dir: Path) -> dict[str, str]:
    return {"HIREBOARD_DATABASE_URL": url, "HIREBOARD_DATA_DIR": str(data_dir)}


def test_running_it_twice_adds_data_without_a_traceback(fresh: str, tmp_path: Path) -> None:
    for _ in range(2):
        result = runner.invoke(
            app, ["seed", "synthetic", "--postings", "120"], env=env(fresh, tmp_path)
        )
        assert result.exit_code == 0, result.output
        assert "loaded 120 postings" in result.output
    assert count(fresh, "postings") == 240


def test_it_refuses_while_hireboard_uses_the_database_unless_forced(
    fresh: str, tmp_path: Path
) -> None:
    with psycopg.connect(fresh, application_name="hireboard"):  # a live server's session
        refused = runner.invoke(
            app, ["seed", "synthetic", "--postings", "50"], env=env(fresh, tmp_path)
        )
        forced = runner.invoke(
            app, ["seed", "synthetic", "--postings", "50", "--force"], env=env(fresh, tmp_path)
        )
    assert refused.exit_code == IN_USE
    assert "1 hireboard connections use this database" in refused.output
    assert "--force" in refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    assert forced.exit_code == 0, forced.output
    assert count(fresh, "postings") == 50


def test_it_refuses_while_serve_holds_the_embedded_data_dir(tmp_path: Path) -> None:
    embedded = make_settings(DUMMY_URL, tmp_path).model_copy(update={"database_url": None})
    assert embedded.embedded
    serving = ServeLock(tmp_path)  # serve is up
    with serving, pytest.raises(typer.Exit) as refused, _data_dir_lock(embedded, force=False):
        pytest.fail("loaded under a running server")
    assert refused.value.exit_code == IN_USE
    with ServeLock(tmp_path), _data_dir_lock(embedded, force=True):
        pass  # --force loads anyway


def test_serve_cannot_start_under_a_load(tmp_path: Path) -> None:
    embedded = make_settings(DUMMY_URL, tmp_path).model_copy(update={"database_url": None})
    with _data_dir_lock(embedded, force=False), pytest.raises(DataDirInUse) as refused:
        ServeLock(tmp_path).acquire()
    assert refused.value.holder == "hireboard seed synthetic"
    with ServeLock(tmp_path) as serving:  # free again once the load is over
        assert serving.path.read_text(encoding="utf-8").endswith(" hireboard serve")


def test_db_upgrade_repairs_an_interrupted_load(fresh: str, tmp_path: Path) -> None:
    before = indexes(fresh)
    with psycopg.connect(fresh, autocommit=True) as conn:
        drop_indexes(conn, BULK_TABLES)
        conn.execute("CREATE TABLE seed_postings (LIKE postings)")
    result = runner.invoke(app, ["db", "upgrade"], env=env(fresh, tmp_path))
    assert result.exit_code == 0, result.output
    assert "indexes an interrupted bulk load had dropped" in result.output
    assert indexes(fresh) == before
    assert leftovers(fresh) == []
