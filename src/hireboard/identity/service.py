"""Sign-up, login, token refresh with rotation and reuse detection, logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import audit
from hireboard.config import Settings
from hireboard.errors import NotAuthenticated
from hireboard.identity import repository
from hireboard.identity.errors import (
    InvalidCredentials,
    InvalidOneTimeToken,
    InvalidRefreshToken,
    InvalidToken,
    WeakPassword,
    WrongPassword,
)
from hireboard.identity.keys import SigningKeys
from hireboard.identity.passwords import Passwords, password_problems
from hireboard.identity.schemas import Accepted, Me, TokenPair
from hireboard.identity.tokens import (
    AccessClaims,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
    verify_access_token,
)
from hireboard.worker import defer

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
RESET_ACCEPTED = Accepted(detail="If the address has an account, a reset link is on its way.")
SIGNUP_ACCEPTED = Accepted(
    detail="If the address can be used, an email with the next step is on its way."
)


class LoginThrottle(Protocol):
    """Throttles failed logins per (submitted email, source) (see kit.throttle)."""

    async def attempt(self, account: str) -> None: ...  # raises 429 while the source waits
    async def failed(self, account: str) -> None: ...
    async def succeeded(self, account: str) -> None: ...


@dataclass(frozen=True)
class Identity:
    settings: Settings
    keys: SigningKeys
    passwords: Passwords

    async def sign_up(
        self, session: AsyncSession, *, email: str, password: str, name: str
    ) -> Accepted:
        """Same answer whether or not the email has an account (the email says which)."""
        email = normalise_email(email)
        self._check_password(password, email)
        # Hashing happens for taken addresses too, so the timing does not tell them apart.
        created = await repository.create_user(
            session, email, name.strip(), await self.passwords.hash(password)
        )
        await defer(session, "identity.signup_email", email=email, created=created)
        return SIGNUP_ACCEPTED

    async def request_password_reset(self, session: AsyncSession, *, email: str) -> Accepted:
        """Always accepted; the job mails a link only when the address has an account."""
        await defer(session, "identity.password_reset_email", email=normalise_email(email))
        return RESET_ACCEPTED

    async def verify_email(self, session: AsyncSession, *, token: str) -> None:
        user_id = await repository.use_one_time_token(
            session, hash_refresh_token(token), "verify_email"
        )
        if user_id is None:
            raise InvalidOneTimeToken("Ask for a new verification email.")
        await repository.mark_email_verified(session, user_id)

    async def confirm_password_reset(
        self, session: AsyncSession, *, token: str, new_password: str
    ) -> None:
        """Sets the password and ends every session of the account."""
        user_id = await repository.use_one_time_token(
            session, hash_refresh_token(token), "reset_password"
        )
        user = await repository.get_user(session, user_id) if user_id else None
        if user_id is None or user is None:
            raise InvalidOneTimeToken("Ask for a new reset link.")
        self._check_password(new_password, user.email)
        password_hash = await self.passwords.hash(new_password)
        await repository.set_password_hash(session, user_id, password_hash)
        await repository.revoke_user_sessions(session, user_id)

    async def create_platform_admin(
        self, session: AsyncSession, *, email: str, name: str, password: str
    ) -> bool:
        """The board operator's account; an existing account is promoted. True if created."""
        email = normalise_email(email)
        self._check_password(password, email)
        return await repository.upsert_platform_admin(
            session, email, name, await self.passwords.hash(password)
        )

    async def change_password(
        self, session: AsyncSession, caller: AccessClaims, *, current: str, new: str
    ) -> None:
        """Needs the current password; every other session of the account ends."""
        stored = await repository.get_password_hash(session, caller.user_id)
        if stored is None or not await self.passwords.verify(stored, current):
            raise WrongPassword("The current password is wrong.")
        user = await repository.get_user(session, caller.user_id)
        self._check_password(new, user.email if user else "")
        await repository.set_password_hash(session, caller.user_id, await self.passwords.hash(new))
        await repository.revoke_other_sessions(session, caller.user_id, keep=caller.session_id)

    def _check_password(self, password: str, email: str) -> None:
        problems = password_problems(password, email)
        if problems:
            raise WeakPassword(
                "The password " + " and ".join(problems) + ".",
                errors=[
                    {"loc": ["body", "password"], "msg": p, "code": "weak_password"}
                    for p in problems
                ],
            )

    async def log_in(
        self, session: AsyncSession, *, email: str, password: str, throttle: LoginThrottle
    ) -> TokenPair:
        email = normalise_email(email)
        await throttle.attempt(email)
        user = await repository.get_user_by_email(session, email)
        if user is None:
            await self.passwords.waste_time(password)
        if (
            user is None
            or not await self.passwords.verify(user.password_hash, password)
            or user.disabled_at
        ):
            await throttle.failed(email)
            if user is not None:
                await audit.record_failed_login(session, user.id)
            raise InvalidCredentials("The email or password is wrong.")
        await throttle.succeeded(email)
        expires = datetime.now(UTC) + timedelta(seconds=self.settings.refresh_family_ttl_s)
        session_id = await repository.create_session(session, user.id, expires)
        return await self._pair(session, user.id, session_id)

    async def refresh(self, session: AsyncSession, *, refresh_token: str) -> TokenPair:
        row = await repository.lock_refresh_token(
            session, hash_refresh_token(refresh_token), self.settings.refresh_reuse_grace_seconds
        )
        if row is None or row.revoked_at is not None or row.expired or row.disabled_at is not None:
            raise InvalidRefreshToken("Log in again.")
        if row.used_at is not None:
            if row.within_grace and row.latest_used:
                return await self._pair(session, row.user_id, row.session_id)
            # A used token presented again: it may be stolen. End the whole family (RFC 9700).
            await repository.revoke_session(session, row.session_id)
            raise InvalidRefreshToken("This refresh token was already used; the session is ended.")
        await repository.mark_used(session, row.id)
        return await self._pair(session, row.user_id, row.session_id)

    async def authenticate(self, session: AsyncSession, authorization: str | None) -> AccessClaims:
        """The caller behind ``Authorization: Bearer <access token>``, or 401."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Send Authorization: Bearer <access token>.", headers=_CHALLENGE)
        claims = verify_access_token(self.keys, self.settings, token.strip())
        if not await repository.session_is_live(session, claims.session_id, claims.user_id):
            raise InvalidToken("The session has ended.", headers=_CHALLENGE)
        return claims

    async def log_out(self, session: AsyncSession, *, refresh_token: str) -> None:
        row = await repository.lock_refresh_token(session, hash_refresh_token(refresh_token), 0)
        if row is None:
            raise InvalidRefreshToken("Unknown refresh token.")
        await repository.revoke_session(session, row.session_id)

    async def log_out_everywhere(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        await repository.revoke_user_sessions(session, user_id)

    async def me(self, session: AsyncSession, user_id: uuid.UUID) -> Me:
        user = await repository.get_user(session, user_id)
        if user is None:  # deleted after the token was checked
            raise InvalidCredentials("The account no longer exists.")
        return Me(
            id=user.id,
            email=user.email,
            name=user.name,
            is_platform_admin=user.is_platform_admin,
            email_verified=user.email_verified_at is not None,
            created_at=user.created_at,
        )

    async def _pair(
        self, session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> TokenPair:
        refresh, refresh_hash = new_refresh_token()
        await repository.add_refresh_token(session, session_id, refresh_hash)
        return TokenPair(
            access_token=issue_access_token(self.keys, self.settings, user_id, session_id),
            expires_in=self.settings.access_token_ttl_s,
            refresh_token=refresh,
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()
