"""Conditional GETs: a strong ETag over the body, ``If-None-Match`` answered with 304."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class Rendered:
    """An answer's bytes with their ETag, computed once and kept (in a cache or a column)."""

    body: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Rendered:
        return cls(body, media_type, etag_of(body))


def _holds(request: Request, etag: str) -> bool:
    presented = request.headers.get("if-none-match")
    if not presented:
        return False
    return presented.strip() == "*" or etag in {
        tag.strip().removeprefix("W/") for tag in presented.split(",")
    }


def respond(request: Request, rendered: Rendered, *, cache_control: str) -> Response:
    """``rendered`` as the answer, or an empty 304 when the client already holds it."""
    headers = {"ETag": rendered.etag, "Cache-Control": cache_control}
    if _holds(request, rendered.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type=rendered.media_type, headers=headers)


def cached_response(
    request: Request, body: bytes, media_type: str, *, cache_control: str
) -> Response:
    """``body`` with its ETag, or an empty 304 when the client already holds it."""
    return respond(request, Rendered.of(body, media_type), cache_control=cache_control)
