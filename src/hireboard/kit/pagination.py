"""Keyset pagination: ``{"items": [...], "next_cursor": ...}``, ``?cursor=``, ``?limit=``.

A cursor is the sort key of the last item returned, base64url-encoded JSON. It is opaque to
clients and validated on the way back in: a tampered cursor is 400 ``invalid_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel

from hireboard.errors import AppError
from hireboard.kit.hosts import public_request_url
from hireboard.kit.text import single_line_ok

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidCursor(AppError):
    status = 400
    code = "invalid_cursor"
    title = "The cursor is not one this list returned"


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps([str(part) for part in key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, parts: int) -> list[str] | None:
    """The key the cursor carries (as strings, for the SQL to cast), or None for page one."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if not (isinstance(key, list) and len(key) == parts and all(_clean(k) for k in key)):
        raise InvalidCursor()
    return key


def _clean(part: object) -> bool:
    # A forged cursor could carry NUL, which PostgreSQL cannot take as text.
    return isinstance(part, str) and single_line_ok(part)


CursorParam = Annotated[
    str | None,
    Query(max_length=500, pattern=r"^[A-Za-z0-9_-]*$", description="From `next_cursor`."),
]
LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]


def page_of(
    rows: Sequence[T],
    limit: int,
    key: Callable[[T], Sequence[Any]],
    request: Request,
    response: Response,
) -> Page[T]:
    """Trim the one extra row fetched to know whether a next page exists; set ``Link``."""
    items = list(rows[:limit])
    next_cursor = encode_cursor(key(items[-1])) if len(rows) > limit and items else None
    if next_cursor is not None:
        url = public_request_url(request).include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return Page[T](items=items, next_cursor=next_cursor)


@dataclass
class PageRequest:
    """A list route's ``?cursor=`` and ``?limit=``, and where its ``Link`` header goes."""

    cursor: str | None
    limit: int
    request: Request
    response: Response

    def after(self, parts: int) -> list[str] | None:
        return decode_cursor(self.cursor, parts)

    def page(self, rows: Sequence[T], key: Callable[[T], Sequence[Any]]) -> Page[T]:
        return page_of(rows, self.limit, key, self.request, self.response)


def _page_request(
    request: Request,
    response: Response,
    cursor: CursorParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
) -> PageRequest:
    return PageRequest(cursor, limit, request, response)


Paging = Annotated[PageRequest, Depends(_page_request)]
