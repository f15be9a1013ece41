"""Pure ASGI middleware shared by every route: request ids, the last-resort 500, headers."""

from __future__ import annotations

import logging

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hireboard.kit.problem import PROBLEM_MEDIA_TYPE, problem_body, problem_bytes
from hireboard.kit.request_context import (
    REQUEST_ID_HEADER,
    accept_or_make_request_id,
    request_id_var,
)

logger = logging.getLogger("hireboard.http")


class RequestContextMiddleware:
    """Gives each request an id (echoed back) and turns any escaped exception into a bare 500.

    Sits outside everything else so even a failing middleware answers in problem+json and
    the traceback is logged with the request id - never shown to the caller.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = accept_or_make_request_id(incoming)
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error", extra={"path": scope.get("path")})
            if started:
                raise
            await _send_internal_error(send, request_id)
        finally:
            request_id_var.reset(token)


async def _send_internal_error(send: Send, request_id: str) -> None:
    await send_problem(
        send,
        status=500,
        code="internal_error",
        title="Internal server error",
        detail="Something went wrong on our side. Quote the request id when reporting it.",
        request_id=request_id,
    )


async def send_problem(
    send: Send, *, status: int, code: str, title: str, detail: str, request_id: str | None
) -> None:
    """Answers with problem+json from middleware, where no exception handler runs."""
    body = problem_bytes(
        problem_body(status=status, code=code, title=title, detail=detail, request_id=request_id)
    )
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if request_id is not None:
        headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# API responses are data, never documents to render: lock everything down.
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI loads its script and styles from a CDN and runs an inline bootstrap.
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "frame-ancestors 'none'"
)


def api_security_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers ``SecurityHeadersMiddleware`` puts on an API answer, for fast paths."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"content-security-policy", _API_CSP.encode()),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=63072000"))
    return headers


class SecurityHeadersMiddleware:
    """Adds the defensive response headers every API response should carry."""

    def __init__(self, app: ASGIApp, *, hsts: bool, docs_paths: frozenset[str]) -> None:
        self.app = app
        self.hsts = hsts
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _DOCS_CSP if scope["path"] in self.docs_paths else _API_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("referrer-policy", "no-referrer")
                headers.setdefault("cross-origin-opener-policy", "same-origin")
                headers.setdefault("cross-origin-resource-policy", "same-origin")
                headers.setdefault("content-security-policy", csp)
                if self.hsts:
                    headers.setdefault("strict-transport-security", "max-age=63072000")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


BODY_LIMIT_SCOPE_KEY = "hireboard.max_body_bytes"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body is larger than {limit} bytes.")


class BodyLimitMiddleware:
    """Refuses bodies over the limit while they are read, never after buffering them whole.

    A declared ``Content-Length`` over the limit fails on the first read; a chunked body
    fails on the chunk that crosses it. Routes may raise or lower the limit by setting
    ``scope[BODY_LIMIT_SCOPE_KEY]`` before they read (see ``kit.routing``).
    """

    def __init__(self, app: ASGIApp, *, default_limit: int) -> None:
        self.app = app
        self.default_limit = default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            limit: int = scope.get(BODY_LIMIT_SCOPE_KEY, self.default_limit)
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.isdigit() else None


def header_bytes(headers: list[tuple[bytes, bytes]]) -> int:
    """Size of the header section as sent: ``name: value\\r\\n`` per field."""
    return sum(len(name) + len(value) + 4 for name, value in headers)


class HeaderLimitMiddleware:
    """431 (problem+json) for too many header fields or too many header bytes.

    The server's protocol (``cli.http_limits``) stops reading a header section that grows
    past the limit, so memory stays bounded; this check is exact and also holds where the
    app runs under another server.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_count: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers", []) if scope["type"] == "http" else []
        if len(headers) <= self.max_count and header_bytes(headers) <= self.max_bytes:
            await self.app(scope, receive, send)
            return
        await send_problem(
            send,
            status=431,
            code="request_headers_too_large",
            title="Request header fields too large",
            detail=(
                f"Send at most {self.max_count} header fields "
                f"and {self.max_bytes} bytes of headers."
            ),
            request_id=scope.get("state", {}).get("request_id"),
        )
