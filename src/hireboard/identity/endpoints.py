"""/v1/auth, /v1/me and the JWKS."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hireboard.db import ReadSession, WriteSession
from hireboard.identity.auth import CurrentUser, IdentityService
from hireboard.identity.schemas import (
    Accepted,
    EmailOnly,
    Login,
    Me,
    OneTimeToken,
    PasswordChange,
    PasswordReset,
    RefreshRequest,
    SignUp,
    TokenPair,
)
from hireboard.kit.problem import problem_responses
from hireboard.kit.ratelimit import Policy, rate_limit
from hireboard.kit.routing import JSONRoute
from hireboard.kit.throttle import FailureThrottle, ThrottleRules

router = APIRouter(route_class=JSONRoute, tags=["auth"])

SIGNUPS = Policy(
    "signup", lambda r: r.app.state.settings.signups_per_address, on_store_error="closed"
)
RESETS = Policy(
    "password_reset", lambda r: r.app.state.settings.resets_per_address, on_store_error="closed"
)
LOGINS = Policy(
    "login", lambda r: r.app.state.settings.login_attempts_per_address, on_store_error="closed"
)
LOGIN_FAILURES = Policy(
    "login_failures",
    lambda r: r.app.state.settings.login_failures_per_account,
    on_store_error="closed",
)
_AUTH_ERRORS = problem_responses(401, 422, 429)
# A source's failed logins at an account are forgotten a day after the first one.
_FAILURE_MEMORY_S = 86400


@router.post(
    "/v1/auth/signup",
    status_code=202,
    summary="Create an account (the email says what happens next)",
    dependencies=[rate_limit(SIGNUPS)],
    responses=_AUTH_ERRORS,
)
async def sign_up(body: SignUp, session: WriteSession, identity: IdentityService) -> Accepted:
    """Always 202 with the same body, whether or not the address already has an account."""
    return await identity.sign_up(session, email=body.email, password=body.password, name=body.name)


@router.post(
    "/v1/auth/token",
    summary="Log in with email and password",
    dependencies=[rate_limit(LOGINS)],
    responses=_AUTH_ERRORS,
)
async def log_in(
    body: Login, request: Request, session: WriteSession, identity: IdentityService
) -> TokenPair:
    """An access token (minutes) and a one-use refresh token; 401 for any wrong detail.

    Wrong passwords are throttled per (email, client address): after a few, each further
    attempt from that address waits longer (429 with `Retry-After`)."""
    return await identity.log_in(
        session, email=body.email, password=body.password, throttle=_login_throttle(request)
    )


def _login_throttle(request: Request) -> FailureThrottle:
    settings = request.app.state.settings
    rules = ThrottleRules(
        name=LOGIN_FAILURES.name,
        free_failures=settings.login_free_failures_per_source,
        max_delay_s=settings.login_backoff_max_s,
        window_s=_FAILURE_MEMORY_S,
        known_source_s=settings.login_known_source_days * 86400,
        ceiling=LOGIN_FAILURES,
    )
    return FailureThrottle(request.app.state.rate_limiter, rules, request)


@router.post(
    "/v1/auth/verify-email",
    status_code=204,
    summary="Confirm an email address",
    responses=_AUTH_ERRORS,
)
async def verify_email(
    body: OneTimeToken, session: WriteSession, identity: IdentityService
) -> Response:
    """Spends the token from the verification email."""
    await identity.verify_email(session, token=body.token)
    return Response(status_code=204)


@router.post(
    "/v1/auth/password-reset",
    status_code=202,
    summary="Ask for a password-reset email",
    dependencies=[rate_limit(RESETS)],
    responses=_AUTH_ERRORS,
)
async def request_password_reset(
    body: EmailOnly, session: WriteSession, identity: IdentityService
) -> Accepted:
    """Always 202 with the same body, whether or not the address has an account."""
    return await identity.request_password_reset(session, email=body.email)


@router.post(
    "/v1/auth/password-reset/confirm",
    status_code=204,
    summary="Set a new password",
    responses=_AUTH_ERRORS,
)
async def confirm_password_reset(
    body: PasswordReset, session: WriteSession, identity: IdentityService
) -> Response:
    """Spends the reset token, sets the password and ends every session of the account."""
    await identity.confirm_password_reset(session, token=body.token, new_password=body.new_password)
    return Response(status_code=204)


@router.post(
    "/v1/auth/refresh", summary="Trade a refresh token for a new pair", responses=_AUTH_ERRORS
)
async def refresh(
    body: RefreshRequest, session: WriteSession, identity: IdentityService
) -> TokenPair:
    """Each refresh token works once; presenting a used one ends its whole session."""
    return await identity.refresh(session, refresh_token=body.refresh_token)


@router.post("/v1/auth/logout", status_code=204, summary="End this session", responses=_AUTH_ERRORS)
async def log_out(
    body: RefreshRequest, session: WriteSession, identity: IdentityService
) -> Response:
    """Revokes the refresh token's session; its access tokens stop working at once."""
    await identity.log_out(session, refresh_token=body.refresh_token)
    return Response(status_code=204)


@router.post(
    "/v1/auth/logout-all", status_code=204, summary="End every session", responses=_AUTH_ERRORS
)
async def log_out_everywhere(
    caller: CurrentUser, session: WriteSession, identity: IdentityService
) -> Response:
    """Revokes all of the caller's sessions."""
    await identity.log_out_everywhere(session, caller.user_id)
    return Response(status_code=204)


@router.post(
    "/v1/me/password",
    status_code=204,
    summary="Change the password (ends the other sessions)",
    responses=problem_responses(401, 403, 422),
)
async def change_password(
    body: PasswordChange, caller: CurrentUser, session: WriteSession, identity: IdentityService
) -> Response:
    """Needs the current password; this session stays, every other one ends."""
    await identity.change_password(
        session, caller, current=body.current_password, new=body.new_password
    )
    return Response(status_code=204)


@router.get("/v1/me", summary="The caller's account", responses=_AUTH_ERRORS)
async def me(caller: CurrentUser, session: ReadSession, identity: IdentityService) -> Me:
    """Who the access token belongs to."""
    return await identity.me(session, caller.user_id)


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(identity: IdentityService, response: Response) -> dict[str, Any]:
    """The current key and any previous ones whose tokens may still be live."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return identity.keys.jwks()
