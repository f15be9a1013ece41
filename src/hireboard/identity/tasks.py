"""Identity's emails, sent by jobs: the one-time token is made here, so no plain token is stored."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hireboard import mail
from hireboard.identity import repository
from hireboard.identity.tokens import new_refresh_token as new_secret
from hireboard.worker import task
from hireboard.worker.registry import job_settings


@task("identity.signup_email", retries=5)
async def signup_email(session: AsyncSession, email: str, created: bool) -> None:
    """A verification link for a new account; a heads-up when the address already had one."""
    settings = job_settings()
    user = await repository.get_user_by_email(session, email)
    if user is None:
        return
    if not created:
        body = (
            "Someone (maybe you) tried to create a hireboard account with this address, "
            "which already has one. Log in, or reset your password if you forgot it.\n"
        )
        await mail.send(
            settings, mail.compose(settings, email, "You already have an account", body)
        )
        return
    if user.email_verified_at is not None:  # a retried job after the user already verified
        return
    link = await _one_time_link(session, user.id, "verify_email", settings.verify_email_token_ttl_s)
    body = (
        "Welcome to hireboard. Confirm your address: "
        f"{settings.base_url}/verify-email?token={link}\n"
    )
    await mail.send(settings, mail.compose(settings, email, "Confirm your email address", body))


@task("identity.password_reset_email", retries=5)
async def password_reset_email(session: AsyncSession, email: str) -> None:
    """A reset link when the address has an account; nothing otherwise (the API said 202)."""
    settings = job_settings()
    user = await repository.get_user_by_email(session, email)
    if user is None or user.disabled_at is not None:
        return
    link = await _one_time_link(
        session, user.id, "reset_password", settings.password_reset_token_ttl_s
    )
    body = f"Choose a new hireboard password: {settings.base_url}/reset-password?token={link}\n"
    await mail.send(settings, mail.compose(settings, email, "Reset your password", body))


async def _one_time_link(
    session: AsyncSession, user_id: uuid.UUID, purpose: str, ttl_s: int
) -> str:
    token, token_hash = new_secret()
    await repository.add_one_time_token(session, user_id, purpose, token_hash, ttl_s)
    return token
