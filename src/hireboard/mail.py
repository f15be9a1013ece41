"""Outgoing email: SMTP when configured, else ``.eml`` files in the data directory's outbox.

The log line names the outbox file or the recipient, never the message body (which may
carry a one-time link).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import uuid
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from hireboard.config import Settings

logger = logging.getLogger("hireboard.mail")


# RFC 5322 allows 998-character lines: a long List-Unsubscribe link stays one plain header
# instead of being encoded into words mail clients will not follow.
_POLICY = policy.default.clone(max_line_length=998)


def compose(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@hireboard>"
    # Plain 7bit for ASCII text, so links stay whole (quoted-printable would wrap them).
    message.set_content(body, cte="7bit" if body.isascii() else "8bit")
    return message


async def send(settings: Settings, message: EmailMessage) -> None:
    if settings.smtp_host is None:
        path = _write_outbox(settings.data_dir / "outbox", message)
        logger.info(
            "mail written to the outbox", extra={"file": str(path), "subject": message["Subject"]}
        )
        return
    await asyncio.to_thread(_send_smtp, settings, message)
    logger.info("mail sent", extra={"subject": message["Subject"]})


def _write_outbox(outbox: Path, message: EmailMessage) -> Path:
    outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)
    return path


def _send_smtp(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host is not None  # noqa: S101 - checked by the caller
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
