"""Preferences, signed unsubscribe tokens, and sending a notification that honours them.

An unsubscribe link carries a JWT signed with the service's own key (typ
``unsubscribe+jwt``) naming the user and the kind of email; it needs no login and works
until the key is retired. Emails carry ``List-Unsubscribe`` and ``List-Unsubscribe-Post``
(RFC 8058), so mail clients can unsubscribe in one click.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard import mail
from hireboard.config import Settings
from hireboard.errors import AppError
from hireboard.identity.keys import SigningKeys
from hireboard.kit.text import RequestModel

Kind = Literal["application_updates", "new_applications"]
TOKEN_TYPE = "unsubscribe+jwt"  # noqa: S105 - a media type, not a secret


class Preferences(RequestModel):
    application_updates: bool = True
    new_applications: bool = True


class InvalidUnsubscribeToken(AppError):
    status = 400
    code = "invalid_unsubscribe_token"
    title = "The unsubscribe link is not valid"


def _audience(settings: Settings) -> str:
    return settings.jwt_audience + "/unsubscribe"


def unsubscribe_token(keys: SigningKeys, settings: Settings, user_id: uuid.UUID, kind: Kind) -> str:
    return jwt.encode(
        {
            "iss": settings.jwt_issuer,
            "aud": _audience(settings),
            "sub": str(user_id),
            "kind": kind,
            "iat": datetime.now(UTC),
        },
        keys.private_key,
        algorithm="EdDSA",
        headers={"kid": keys.kid, "typ": TOKEN_TYPE},
    )


def read_unsubscribe_token(
    keys: SigningKeys, settings: Settings, token: str
) -> tuple[uuid.UUID, Kind]:
    try:
        header = jwt.get_unverified_header(token)
        key = keys.public_keys.get(str(header.get("kid")))
        if key is None or header.get("typ") != TOKEN_TYPE or header.get("alg") != "EdDSA":
            raise InvalidUnsubscribeToken()
        claims = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            audience=_audience(settings),
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "kind", "aud", "iss"]},
        )
        kind = claims["kind"]
        if kind not in ("application_updates", "new_applications"):
            raise InvalidUnsubscribeToken()
        return uuid.UUID(claims["sub"]), kind
    except (jwt.PyJWTError, ValueError, KeyError):
        raise InvalidUnsubscribeToken() from None


async def get(session: AsyncSession, user_id: uuid.UUID) -> Preferences:
    row = (
        await session.execute(
            text(
                "SELECT application_updates, new_applications FROM notification_preferences "
                "WHERE user_id = :user"
            ),
            {"user": user_id},
        )
    ).one_or_none()
    return Preferences() if row is None else Preferences.model_validate(row, from_attributes=True)


async def put(session: AsyncSession, user_id: uuid.UUID, preferences: Preferences) -> Preferences:
    await session.execute(
        text(
            "INSERT INTO notification_preferences (user_id, application_updates, "
            "new_applications) VALUES (:user, :updates, :new) ON CONFLICT (user_id) DO UPDATE "
            "SET application_updates = EXCLUDED.application_updates, "
            "new_applications = EXCLUDED.new_applications, updated_at = now()"
        ),
        {
            "user": user_id,
            "updates": preferences.application_updates,
            "new": preferences.new_applications,
        },
    )
    return preferences


async def notify(
    session: AsyncSession,
    settings: Settings,
    keys: SigningKeys,
    user_id: uuid.UUID,
    kind: Kind,
    subject: str,
    body: str,
) -> bool:
    """Send unless the user opted out; True if sent. The session must be able to read the
    user's preferences (the user's own context, or the board's in a job)."""
    if not getattr(await get(session, user_id), kind):
        return False
    email = await session.scalar(text("SELECT email FROM users WHERE id = :id"), {"id": user_id})
    if email is None:
        return False
    link = (
        f"{settings.base_url}/v1/notifications/unsubscribe?token="
        f"{unsubscribe_token(keys, settings, user_id, kind)}"
    )
    message = mail.compose(
        settings, str(email), subject, f"{body}\nStop these emails: POST {link}\n"
    )
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    await mail.send(settings, message)
    return True
