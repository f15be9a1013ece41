"""Verification and password-reset emails, received by a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import email
import logging
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from hireboard.app import create_app
from hireboard.config import Settings
from hireboard.worker.runner import run_worker
from tests.fixtures.app import running
from tests.fixtures.database import make_settings
from tests.fixtures.redis import free_port
from tests.test_jobs import eventually

pytestmark = pytest.mark.anyio
PASSWORD = "a long enough passphrase"  # noqa: S105 - a test account's password


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content or b""))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def address(database_url: str) -> Iterator[str]:
    value = f"mail-{secrets.token_hex(4)}@example.com"
    yield value
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'email' = %s", (value,))
        conn.execute("DELETE FROM users WHERE email = %s", (value,))


@asynccontextmanager
async def worker(settings: Settings, database_url: str) -> AsyncIterator[None]:
    task = asyncio.create_task(run_worker(settings, database_url, install_signal_handlers=False))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def token_in(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"token=([A-Za-z0-9_-]+)", body.decode())
    assert found is not None
    return found.group(1)


def smtp_settings(database_url: str, tmp_path: Path, port: int) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        job_stall_timeout_s=2,
    )


async def test_sign_up_verify_and_the_second_sign_up(
    database_url: str, tmp_path: Path, inbox: tuple[Inbox, int], address: str
) -> None:
    mails, port = inbox
    settings = smtp_settings(database_url, tmp_path, port)
    body = {"email": address, "password": PASSWORD, "name": "Ada"}
    async with running(create_app(settings)) as api, worker(settings, database_url):
        assert (await api.post("/v1/auth/signup", json=body)).status_code == 202
        await eventually(lambda: mails.to(address))
        welcome = mails.to(address)[0]
        assert welcome["Subject"] == "Confirm your email address"
        token = token_in(welcome)
        assert (await api.post("/v1/auth/verify-email", json={"token": token})).status_code == 204
        again = await api.post("/v1/auth/verify-email", json={"token": token})
        assert again.status_code == 400
        assert again.json()["code"] == "invalid_one_time_token"
        login = (
            await api.post("/v1/auth/token", json={"email": address, "password": PASSWORD})
        ).json()
        me = await api.get("/v1/me", headers={"authorization": f"Bearer {login['access_token']}"})
        assert me.json()["email_verified"] is True

        assert (await api.post("/v1/auth/signup", json=body)).status_code == 202
        await eventually(lambda: len(mails.to(address)) == 2)
        assert mails.to(address)[1]["Subject"] == "You already have an account"


async def test_password_reset(
    database_url: str, tmp_path: Path, inbox: tuple[Inbox, int], address: str
) -> None:
    mails, port = inbox
    settings = smtp_settings(database_url, tmp_path, port)
    new_password = "a brand new passphrase"  # noqa: S105 - a test account's password
    async with running(create_app(settings)) as api, worker(settings, database_url):
        await api.post(
            "/v1/auth/signup", json={"email": address, "password": PASSWORD, "name": "Ada"}
        )
        old = (
            await api.post("/v1/auth/token", json={"email": address, "password": PASSWORD})
        ).json()
        known = await api.post("/v1/auth/password-reset", json={"email": address})
        unknown = await api.post("/v1/auth/password-reset", json={"email": "nobody-" + address})
        assert known.status_code == unknown.status_code == 202
        assert known.content == unknown.content
        await eventually(
            lambda: any(m["Subject"] == "Reset your password" for m in mails.to(address))
        )
        reset = next(m for m in mails.to(address) if m["Subject"] == "Reset your password")
        assert mails.to("nobody-" + address) == []
        confirm = {"token": token_in(reset), "new_password": new_password}
        assert (await api.post("/v1/auth/password-reset/confirm", json=confirm)).status_code == 204
        assert (await api.post("/v1/auth/password-reset/confirm", json=confirm)).status_code == 400
        assert (
            await api.get("/v1/me", headers={"authorization": f"Bearer {old['access_token']}"})
        ).status_code == 401
        assert (
            await api.post("/v1/auth/token", json={"email": address, "password": PASSWORD})
        ).status_code == 401
        fresh = await api.post("/v1/auth/token", json={"email": address, "password": new_password})
        assert fresh.status_code == 200


async def test_development_mail_goes_to_the_outbox(
    database_url: str, tmp_path: Path, address: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(database_url, tmp_path, job_stall_timeout_s=2)
    outbox = tmp_path / "outbox"
    async with running(create_app(settings)) as api, worker(settings, database_url):
        with caplog.at_level(logging.INFO, logger="hireboard.mail"):
            await api.post(
                "/v1/auth/signup", json={"email": address, "password": PASSWORD, "name": "Ada"}
            )
            await eventually(lambda: outbox.exists() and any(outbox.iterdir()))
            await eventually(lambda: any(r.name == "hireboard.mail" for r in caplog.records))
    files = list(outbox.iterdir())
    message = email.message_from_bytes(files[0].read_bytes())
    token = token_in(message)
    record = next(r for r in caplog.records if r.name == "hireboard.mail")
    assert record.__dict__["file"] == str(files[0])
    assert token not in record.getMessage() and token not in str(record.__dict__)


def link_in(message: Message, path: str) -> str:
    """The path and query of the email's link to ``path`` (the page a person opens)."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\?token=[A-Za-z0-9_-]+)", body.decode())
    assert found is not None, body
    return found.group(1)


async def test_the_links_in_the_emails_open_pages_that_work(
    database_url: str, tmp_path: Path, inbox: tuple[Inbox, int], address: str
) -> None:
    mails, port = inbox
    settings = smtp_settings(database_url, tmp_path, port)
    body = {"email": address, "password": PASSWORD, "name": "Ada"}
    async with running(create_app(settings)) as api, worker(settings, database_url):
        assert (await api.post("/v1/auth/signup", json=body)).status_code == 202
        await eventually(lambda: mails.to(address))
        link = link_in(mails.to(address)[0], "/verify-email")
        opened = await api.get(link)  # opening it (a mail scanner too) changes nothing
        assert opened.status_code == 200
        assert opened.headers["content-type"].startswith("text/html")
        token = token_in(mails.to(address)[0])
        assert f'name="token" value="{token}"' in opened.text
        confirmed = await api.post("/verify-email", data={"token": token})
        assert confirmed.status_code == 200
        assert "Address confirmed" in confirmed.text
        spent = await api.post("/verify-email", data={"token": token})
        assert spent.status_code == 400
        assert spent.headers["content-type"].startswith("text/html")
        assert "invalid, expired or already used" in spent.text

        await api.post("/v1/auth/password-reset", json={"email": address})
        await eventually(
            lambda: any(m["Subject"] == "Reset your password" for m in mails.to(address))
        )
        reset = next(m for m in mails.to(address) if m["Subject"] == "Reset your password")
        page = await api.get(link_in(reset, "/reset-password"))
        assert page.status_code == 200
        assert 'type=password name="new_password"' in page.text
        form = {"token": token_in(reset), "new_password": "short"}
        weak = await api.post("/reset-password", data=form)
        assert weak.status_code == 422  # and the token is not spent by the refused attempt
        form["new_password"] = "a brand new passphrase"  # noqa: S105 - a test account's
        changed = await api.post("/reset-password", data=form)
        assert changed.status_code == 200, changed.text
        login = {"email": address, "password": form["new_password"]}
        assert (await api.post("/v1/auth/token", json=login)).status_code == 200
        hostile = await api.get("/verify-email", params={"token": '"><script>'})
        assert hostile.status_code == 422  # a token is letters, digits, - and _ only
