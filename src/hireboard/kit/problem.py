"""RFC 9457 problem details: the one shape every error response takes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://hireboard.dev/problems/"


def problem_body(
    *, status: int, code: str, title: str, detail: str, request_id: str | None, **extra: Any
) -> dict[str, Any]:
    """The problem+json document; ``type`` is a stable URI derived from ``code``."""
    body: dict[str, Any] = {
        "type": _TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id,
    }
    body.update(extra)
    return body


def problem_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class ProblemError(BaseModel):
    """One invalid field: where it is, what is wrong, and a stable code."""

    loc: list[str | int]
    msg: str
    code: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code (snake_case).")
    request_id: str | None = Field(description="Quote it when reporting a problem.")
    errors: list[ProblemError] | None = Field(
        default=None, description="Every invalid field (422)."
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem+json errors with an example each."""
    described = {
        400: (
            "Malformed request (for example invalid JSON, or a `Host` this server does not "
            "answer for: `invalid_host`).",
            "malformed_json",
        ),
        401: ("Missing or invalid credentials.", "not_authenticated"),
        403: ("Authenticated but not allowed.", "forbidden"),
        404: ("Not found, or not visible to the caller.", "not_found"),
        409: ("The resource's state does not allow this.", "conflict"),
        413: ("The body is larger than this route accepts.", "payload_too_large"),
        415: ("The body is not in a media type this route accepts.", "unsupported_media_type"),
        422: ("Invalid input; `errors` lists every bad field.", "validation_failed"),
        429: ("Rate limited; retry after `Retry-After` seconds.", "rate_limited"),
        431: (
            "Too many request header fields, or too many bytes of them.",
            "request_headers_too_large",
        ),
        500: (
            "Unexpected failure; nothing is revealed, the request id is logged.",
            "internal_error",
        ),
        503: (
            "A statement cancelled by its time limit (`query_timeout`), or a dependency "
            "down; retry after `Retry-After` seconds.",
            "service_unavailable",
        ),
    }
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, code = described[status]
        example = problem_body(
            status=status,
            code=code,
            title=description,
            detail=description,
            request_id="3f2a9c0d1e7b4a56",
        )
        responses[status] = {
            "model": Problem,
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"example": example}},
        }
    return responses
