"""Sessions, transactions and the app's database role."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg as pg
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, text
from sqlalchemy import create_engine as sa_engine
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import CreateTable

from hireboard.config import Settings
from hireboard.db import ReadSession, WriteSession, create_engine
from hireboard.errors import Conflict
from hireboard.kit.routing import JSONRoute
from hireboard.models.base import NAMING_CONVENTION
from tests.fixtures.app import running
from tests.fixtures.database import make_settings

pytestmark = pytest.mark.anyio


class NewItem(BaseModel):
    name: str
    fail: bool = False


router = APIRouter(prefix="/test", route_class=JSONRoute)


@router.post("/items", status_code=201)
async def add_item(item: NewItem, session: WriteSession) -> dict[str, str]:
    await session.execute(text("INSERT INTO scratch_items (name) VALUES (:n)"), {"n": item.name})
    if item.fail:
        raise Conflict("refused after writing")
    return {"name": item.name}


@router.post("/read-only-write")
async def write_in_read_session(item: NewItem, session: ReadSession) -> dict[str, str]:
    await session.execute(text("INSERT INTO scratch_items (name) VALUES (:n)"), {"n": item.name})
    return {"name": item.name}


@router.get("/snapshot")
async def read_snapshot(session: ReadSession, database_url: str = "") -> dict[str, str]:
    """Counts a row twice, with ``database_url`` (a test's own) inserting one in between."""
    first = await session.scalar(text("SELECT count(*) FROM scratch_items"))
    if database_url:
        with pg.connect(database_url) as conn:
            conn.execute("INSERT INTO scratch_items (name) VALUES ('snapshot-between')")
    second = await session.scalar(text("SELECT count(*) FROM scratch_items"))
    isolation = await session.scalar(text("SHOW transaction_isolation"))
    return {"first": str(first), "second": str(second), "isolation": str(isolation)}


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, router) as client:
        yield client


def committed_names(database_url: str, prefix: str) -> list[str]:
    with pg.connect(database_url) as conn:
        rows = conn.execute("SELECT name FROM scratch_items WHERE name LIKE %s", (prefix + "%",))
        return [row[0] for row in rows]


@pytest.fixture
def prefix(database_url: str) -> Iterator[str]:
    """A unique name prefix for rows that must be committed; removed afterwards."""
    value = f"t{secrets.token_hex(4)}-"
    yield value
    with pg.connect(database_url) as conn:
        conn.execute("DELETE FROM scratch_items WHERE name LIKE %s", (value + "%",))


async def test_request_commits_on_success(
    api: httpx.AsyncClient, database_url: str, prefix: str
) -> None:
    response = await api.post("/test/items", json={"name": prefix + "kept"})
    assert response.status_code == 201
    assert committed_names(database_url, prefix) == [prefix + "kept"]


async def test_request_rolls_back_on_error(
    api: httpx.AsyncClient, database_url: str, prefix: str
) -> None:
    response = await api.post("/test/items", json={"name": prefix + "lost", "fail": True})
    assert response.status_code == 409
    assert committed_names(database_url, prefix) == []


async def test_read_session_refuses_writes(
    api: httpx.AsyncClient, database_url: str, prefix: str
) -> None:
    response = await api.post("/test/read-only-write", json={"name": prefix + "ro"})
    assert response.status_code == 500
    assert committed_names(database_url, prefix) == []


async def test_read_session_is_one_snapshot(api: httpx.AsyncClient, database_url: str) -> None:
    try:
        response = await api.get("/test/snapshot", params={"database_url": database_url})
        body = response.json()
        assert body["isolation"] == "repeatable read"
        assert body["first"] == body["second"]  # the row committed in between is not seen
    finally:
        with pg.connect(database_url) as conn:
            conn.execute("DELETE FROM scratch_items WHERE name = 'snapshot-between'")


async def test_app_role_is_neither_owner_nor_superuser(
    session: AsyncSession, settings: Settings
) -> None:
    row = (
        await session.execute(
            text(
                "SELECT current_user, r.rolsuper, r.rolbypassrls, t.tableowner "
                "FROM pg_roles r, pg_tables t "
                "WHERE r.rolname = current_user AND t.tablename = 'scratch_items'"
            )
        )
    ).one()
    assert row.current_user == settings.app_role
    assert row.rolsuper is False
    assert row.rolbypassrls is False
    assert row.tableowner != settings.app_role


async def test_app_role_cannot_change_the_schema(session: AsyncSession) -> None:
    with pytest.raises(ProgrammingError, match="permission denied"):
        await session.execute(text("CREATE TABLE intruder (id int)"))


async def test_service_tests_roll_back(session: AsyncSession, database_url: str) -> None:
    name = f"rolled-back-{secrets.token_hex(4)}"
    await session.execute(text("INSERT INTO scratch_items (name) VALUES (:n)"), {"n": name})
    await session.commit()  # a service never commits, but even this stays in the savepoint
    seen_here = (
        await session.execute(
            text("SELECT count(*) FROM scratch_items WHERE name = :n"), {"n": name}
        )
    ).scalar()
    assert seen_here == 1
    assert committed_names(database_url, name) == []


async def test_statement_timeout_applies(database_url: str, settings: Settings) -> None:
    engine = create_engine(
        make_settings(database_url, settings.data_dir, statement_timeout_ms=200), database_url
    )
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError, match="statement timeout"):
                await connection.execute(text("SELECT pg_sleep(2)"))
    finally:
        await engine.dispose()


def test_constraint_names_follow_the_convention() -> None:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table("organizations", metadata, Column("id", Integer, primary_key=True))
    members = Table(
        "members",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("organization_id", ForeignKey("organizations.id")),
        Column("email", String, unique=True),
    )
    ddl = str(CreateTable(members).compile(dialect=sa_engine("postgresql+psycopg://").dialect))
    assert "CONSTRAINT pk_members PRIMARY KEY" in ddl
    assert "CONSTRAINT fk_members_organization_id_organizations FOREIGN KEY" in ddl
    assert "CONSTRAINT uq_members_email UNIQUE" in ddl


async def test_app_database_url_logs_in_as_its_own_role(
    database_url: str, settings: Settings
) -> None:
    login = f"hb_login_{secrets.token_hex(4)}"
    with pg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{login}" LOGIN IN ROLE "{settings.app_role}"')
    parts = urlsplit(database_url)
    app_url = urlunsplit(parts._replace(netloc=parts.netloc.replace("postgres", login, 1)))
    engine = create_engine(
        make_settings(database_url, settings.data_dir, app_database_url=app_url), database_url
    )
    try:
        async with engine.connect() as connection:
            who = (await connection.execute(text("SELECT current_user, session_user"))).one()
            readable = (
                await connection.execute(text("SELECT count(*) FROM scratch_items"))
            ).scalar()
        assert tuple(who) == (login, login)
        assert readable is not None
    finally:
        await engine.dispose()
        with pg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP ROLE "{login}"')
