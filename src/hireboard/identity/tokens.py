"""Access tokens (short-lived JWTs) and refresh tokens (opaque, stored hashed, one use)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from hireboard.config import Settings
from hireboard.identity.errors import InvalidToken
from hireboard.identity.keys import SigningKeys

# RFC 9068: a header an ID token or any other JWT will not carry.
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a media type, not a secret
_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")  # we never fetch or trust embedded keys
_REQUIRED_CLAIMS = ["iss", "aud", "sub", "sid", "exp", "iat", "nbf", "jti"]


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


def issue_access_token(
    keys: SigningKeys, settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "sid": str(session_id),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_s),
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(
        claims,
        keys.private_key,
        algorithm="EdDSA",
        headers={"kid": keys.kid, "typ": ACCESS_TOKEN_TYPE},
    )


def verify_access_token(keys: SigningKeys, settings: Settings, token: str) -> AccessClaims:
    """The token's claims, or ``InvalidToken`` - never a key fetched from anywhere."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "EdDSA" or header.get("typ") != ACCESS_TOKEN_TYPE:
            raise InvalidToken("Unsupported token type or algorithm.")
        if any(name in header for name in _FORBIDDEN_HEADERS):
            raise InvalidToken("Token headers that point at keys are not accepted.")
        key = keys.public_keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("Unknown signing key.")
        claims = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": _REQUIRED_CLAIMS},
        )
        return AccessClaims(uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"]))
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidToken("The access token is invalid or expired.") from exc


def new_refresh_token() -> tuple[str, str]:
    """(token for the client, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    # A 256-bit random token needs no slow hash: SHA-256 cannot be brute-forced back to it.
    return hashlib.sha256(token.encode()).hexdigest()
