"""Conditional GETs: a strong ETag over the body, ``If-None-Match`` answered with 304."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response


def cached_response(
    request: Request, body: bytes, media_type: str, *, cache_control: str
) -> Response:
    """``body`` with its ETag, or an empty 304 when the client already holds it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    presented = request.headers.get("if-none-match", "")
    if etag in {tag.strip().removeprefix("W/") for tag in presented.split(",")} or (
        presented.strip() == "*"
    ):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
