"""Idempotency keys for POSTs that create something (``Idempotency-Key`` header).

How a keyed request runs:

1. The route (marked with ``idempotent()``) checks the key and hashes the body.
2. The request's write transaction *claims* the key: a transaction-scoped advisory lock
   (a concurrent twin gets 409 ``idempotency_key_in_use``), then the stored row decides:
   replay it, refuse a different body (422), or insert a claim row.
3. When the handler returns, the response (status, the headers that matter, the body
   bytes) is written onto that row *in the same transaction*: the effect and its stored
   answer commit together or not at all.
4. A handler that raises rolls everything back; if its error renders as a 4xx, that
   answer is stored in a transaction of its own. A 5xx is never stored (retry the key).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from hireboard.errors import IdempotencyKeyInUse, IdempotencyKeyInvalid, IdempotencyKeyReused

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
MARKER = "x-idempotent"
# At most 255 printable ASCII characters (space included), nothing else.
_VALID_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
# Headers a replay must carry; per-request ones (request id, dates) are not stored.
_STORED_HEADERS = ("content-type", "location", "link", "etag", "last-modified", "cache-control")


def idempotent() -> dict[str, Any]:
    """``openapi_extra`` marking a route as accepting ``Idempotency-Key``."""
    return {MARKER: True}


@dataclass
class KeyedRequest:
    caller: str
    method: str
    path: str
    key: str
    request_hash: str
    claimed: bool = False
    response: Response | None = None

    @property
    def lock_name(self) -> str:
        return "\x1f".join((self.caller, self.method, self.path, self.key))


@dataclass
class StoredResponse(Exception):
    """Raised by the claim when the key already has an answer: send it again."""

    status: int
    headers: dict[str, str]
    body: bytes

    def to_response(self) -> Response:
        response = Response(self.body, status_code=self.status, headers=self.headers)
        response.headers[REPLAYED_HEADER] = "true"
        return response


async def keyed_request(request: Request, caller: str) -> KeyedRequest | None:
    """The request's key and body hash, or None when no key was sent; 400 on a bad key."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _VALID_KEY.fullmatch(key):
        raise IdempotencyKeyInvalid("Idempotency-Key must be 1-255 printable ASCII characters.")
    body = await request.body()
    return KeyedRequest(
        caller=caller,
        method=request.method,
        path=request.url.path,
        key=key,
        request_hash=hashlib.sha256(body).hexdigest(),
    )


class IdempotencyStore:
    """Rows of ``idempotency_keys``; claims run in the request's transaction."""

    def __init__(self, engine: AsyncEngine, ttl: timedelta) -> None:
        self.engine = engine
        self.ttl = ttl

    async def claim(self, session: AsyncSession, keyed: KeyedRequest) -> None:
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": keyed.lock_name},
        )
        if not locked:
            raise IdempotencyKeyInUse("Retry once the first request has finished.")
        row = (await session.execute(_SELECT, _scope(keyed))).one_or_none()
        if row is not None and not row.live:
            await session.execute(_DELETE, _scope(keyed))
            row = None
        if row is not None:
            if row.request_hash != keyed.request_hash:
                raise IdempotencyKeyReused("Use a new key for a different request.")
            if row.state == "done":
                raise StoredResponse(row.response_status, row.response_headers, row.response_body)
            raise IdempotencyKeyInUse("The first request with this key has not finished.")
        await session.execute(
            _INSERT_CLAIM, {**_scope(keyed), "hash": keyed.request_hash, "ttl": self.ttl}
        )
        keyed.claimed = True

    async def finish(self, session: AsyncSession, keyed: KeyedRequest) -> None:
        """In the claiming transaction: store the handler's answer, or release a 5xx's claim."""
        response = keyed.response
        if response is None or response.status_code >= 500:
            await session.execute(_DELETE, _scope(keyed))
            return
        await session.execute(_UPSERT_DONE, self._values(keyed, response))

    async def remember_error(self, request: Request, keyed: KeyedRequest, exc: Exception) -> None:
        """After a rolled-back claim: store the error's answer when it is a client error."""
        response = await render_error(request, exc)
        if response is not None and response.status_code < 500:
            async with self.engine.begin() as connection:
                await connection.execute(_UPSERT_DONE, self._values(keyed, response))

    def _values(self, keyed: KeyedRequest, response: Response) -> dict[str, Any]:
        headers = {n: response.headers[n] for n in _STORED_HEADERS if n in response.headers}
        return {
            **_scope(keyed),
            "hash": keyed.request_hash,
            "ttl": self.ttl,
            "status": response.status_code,
            "headers": json.dumps(headers),
            "body": bytes(response.body),
        }


async def render_error(request: Request, exc: Exception) -> Response | None:
    """The response the app's own exception handlers give ``exc``; None when none applies."""
    handlers = request.app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers:
            response: Response = await handlers[cls](request, exc)
            return response
    return None


async def purge_expired(session: AsyncSession) -> int:
    """Delete keys past their expiry; returns how many."""
    result = await session.execute(text("DELETE FROM idempotency_keys WHERE expires_at < now()"))
    return int(getattr(result, "rowcount", 0) or 0)


def _scope(keyed: KeyedRequest) -> dict[str, str]:
    return {"caller": keyed.caller, "method": keyed.method, "path": keyed.path, "key": keyed.key}


_SELECT = text(
    "SELECT request_hash, state, response_status, response_headers, response_body, "
    "expires_at > now() AS live FROM idempotency_keys "
    "WHERE caller = :caller AND method = :method AND path = :path AND key = :key FOR UPDATE"
)
_DELETE = text(
    "DELETE FROM idempotency_keys "
    "WHERE caller = :caller AND method = :method AND path = :path AND key = :key"
)
_INSERT_CLAIM = text(
    "INSERT INTO idempotency_keys (caller, method, path, key, request_hash, state, expires_at) "
    "VALUES (:caller, :method, :path, :key, :hash, 'in_progress', now() + :ttl)"
)
_UPSERT_DONE = text(
    "INSERT INTO idempotency_keys (caller, method, path, key, request_hash, state, "
    "response_status, response_headers, response_body, expires_at) "
    "VALUES (:caller, :method, :path, :key, :hash, 'done', :status, CAST(:headers AS jsonb), "
    ":body, now() + :ttl) "
    "ON CONFLICT (caller, method, path, key) DO UPDATE SET state = 'done', "
    "response_status = EXCLUDED.response_status, response_headers = EXCLUDED.response_headers, "
    "response_body = EXCLUDED.response_body "
    "WHERE idempotency_keys.request_hash = EXCLUDED.request_hash"
)
