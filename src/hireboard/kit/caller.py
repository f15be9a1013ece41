"""Who is calling: the key rate limits and idempotency keys are scoped by."""

from __future__ import annotations

from starlette.requests import Request

CALLER_STATE = "caller_id"


def caller_id(request: Request) -> str:
    """The authenticated user or API key when authentication set one, else the client address."""
    known = getattr(request.state, CALLER_STATE, None)
    if isinstance(known, str):
        return known
    client = request.client
    return f"addr:{client.host if client else 'unknown'}"
