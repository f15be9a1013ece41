"""Identity's errors; each keeps a stable code."""

from __future__ import annotations

from hireboard.errors import AppError, NotAuthenticated


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    title = "Invalid email or password"
    # A failed login to a member's account is written to their organizations' audit logs.
    keeps_changes = True


class InvalidToken(NotAuthenticated):
    code = "invalid_token"
    title = "Invalid or expired access token"


class InvalidRefreshToken(NotAuthenticated):
    code = "invalid_refresh_token"
    title = "Invalid, used or revoked refresh token"
    # Reuse detection revokes the token's family: that must commit even though we refuse.
    keeps_changes = True


class InvalidOneTimeToken(AppError):
    status = 400
    code = "invalid_one_time_token"
    title = "The link is invalid, expired or already used"


class WrongPassword(AppError):
    status = 403
    code = "wrong_password"
    title = "The current password is wrong"


class WeakPassword(AppError):
    status = 422
    code = "weak_password"
    title = "Password does not meet the rules"
