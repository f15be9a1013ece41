"""Every SQL statement about users, sessions and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession


async def get_user_by_email(session: AsyncSession, email: str) -> Row[Any] | None:
    result = await session.execute(
        text(
            "SELECT id, email, name, password_hash, disabled_at, email_verified_at "
            "FROM users WHERE email = :email"
        ),
        {"email": email},
    )
    return result.one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(
        text(
            "SELECT id, email, name, is_platform_admin, email_verified_at, created_at "
            "FROM users WHERE id = :id"
        ),
        {"id": user_id},
    )
    return result.one_or_none()


async def create_user(session: AsyncSession, email: str, name: str, password_hash: str) -> bool:
    """False when the email is taken (a concurrent sign-up included)."""
    result = await session.execute(
        text(
            "INSERT INTO users (email, name, password_hash) VALUES (:email, :name, :hash) "
            "ON CONFLICT (email) DO NOTHING RETURNING id"
        ),
        {"email": email, "name": name, "hash": password_hash},
    )
    return result.scalar() is not None


async def upsert_platform_admin(
    session: AsyncSession, email: str, name: str, password_hash: str
) -> bool:
    """Create the admin, or promote an existing account (keeping its password); True if created."""
    result = await session.execute(
        text(
            "INSERT INTO users (email, name, password_hash, is_platform_admin) "
            "VALUES (:email, :name, :hash, true) "
            "ON CONFLICT (email) DO UPDATE SET is_platform_admin = true, updated_at = now() "
            "RETURNING (xmax = 0) AS created"
        ),
        {"email": email, "name": name, "hash": password_hash},
    )
    return bool(result.scalar_one())


async def get_password_hash(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    result = await session.execute(
        text("SELECT password_hash FROM users WHERE id = :id"), {"id": user_id}
    )
    value = result.scalar()
    return None if value is None else str(value)


async def set_password_hash(session: AsyncSession, user_id: uuid.UUID, password_hash: str) -> None:
    await session.execute(
        text("UPDATE users SET password_hash = :hash, updated_at = now() WHERE id = :id"),
        {"id": user_id, "hash": password_hash},
    )


async def revoke_other_sessions(session: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID) -> None:
    await session.execute(
        text(
            "UPDATE auth_sessions SET revoked_at = now() "
            "WHERE user_id = :id AND id <> :keep AND revoked_at IS NULL"
        ),
        {"id": user_id, "keep": keep},
    )


async def create_session(
    session: AsyncSession, user_id: uuid.UUID, expires_at: datetime
) -> uuid.UUID:
    result = await session.execute(
        text(
            "INSERT INTO auth_sessions (user_id, expires_at) VALUES (:user, :expires) RETURNING id"
        ),
        {"user": user_id, "expires": expires_at},
    )
    return uuid.UUID(str(result.scalar_one()))


async def add_refresh_token(session: AsyncSession, session_id: uuid.UUID, token_hash: str) -> None:
    await session.execute(
        text("INSERT INTO refresh_tokens (session_id, token_hash) VALUES (:sid, :hash)"),
        {"sid": session_id, "hash": token_hash},
    )


async def lock_refresh_token(
    session: AsyncSession, token_hash: str, grace_s: int
) -> Row[Any] | None:
    """The token with its session and user, row-locked so concurrent refreshes take turns."""
    result = await session.execute(
        text(
            "SELECT t.id, t.used_at, t.session_id, s.user_id, s.revoked_at, "
            "s.expires_at <= now() AS expired, u.disabled_at, "
            "NOT EXISTS (SELECT 1 FROM refresh_tokens later WHERE later.session_id = t.session_id "
            "  AND later.created_at > t.created_at AND later.used_at IS NOT NULL) AS latest_used, "
            "t.used_at > now() - make_interval(secs => :grace) AS within_grace "
            "FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id "
            "JOIN users u ON u.id = s.user_id "
            "WHERE t.token_hash = :hash FOR UPDATE OF t, s"
        ),
        {"hash": token_hash, "grace": grace_s},
    )
    return result.one_or_none()


async def mark_used(session: AsyncSession, token_id: uuid.UUID) -> None:
    await session.execute(
        text("UPDATE refresh_tokens SET used_at = now() WHERE id = :id"), {"id": token_id}
    )


async def revoke_session(session: AsyncSession, session_id: uuid.UUID) -> None:
    await session.execute(
        text("UPDATE auth_sessions SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
        {"id": session_id},
    )


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        text(
            "UPDATE auth_sessions SET revoked_at = now() WHERE user_id = :id AND revoked_at IS NULL"
        ),
        {"id": user_id},
    )


async def session_is_live(session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """The per-request revocation check: one primary-key lookup."""
    result = await session.execute(
        text(
            "SELECT 1 FROM auth_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.id = :sid AND s.user_id = :uid AND s.revoked_at IS NULL "
            "AND s.expires_at > now() AND u.disabled_at IS NULL"
        ),
        {"sid": session_id, "uid": user_id},
    )
    return result.scalar() is not None


async def add_one_time_token(
    session: AsyncSession, user_id: uuid.UUID, purpose: str, token_hash: str, ttl_s: int
) -> None:
    await session.execute(
        text(
            "INSERT INTO one_time_tokens (user_id, purpose, token_hash, expires_at) "
            "VALUES (:user, :purpose, :hash, now() + make_interval(secs => :ttl))"
        ),
        {"user": user_id, "purpose": purpose, "hash": token_hash, "ttl": ttl_s},
    )


async def use_one_time_token(
    session: AsyncSession, token_hash: str, purpose: str
) -> uuid.UUID | None:
    """Spend an unexpired, unused token; the user it belongs to, or None."""
    result = await session.execute(
        text(
            "UPDATE one_time_tokens SET used_at = now() "
            "WHERE token_hash = :hash AND purpose = :purpose AND used_at IS NULL "
            "AND expires_at > now() RETURNING user_id"
        ),
        {"hash": token_hash, "purpose": purpose},
    )
    value = result.scalar()
    return None if value is None else uuid.UUID(str(value))


async def mark_email_verified(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        text(
            "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = :id"
        ),
        {"id": user_id},
    )
