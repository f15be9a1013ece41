"""Renders every error once, as RFC 9457 problem+json with a stable code and the request id."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from hireboard.errors import (
    AppError,
    Forbidden,
    MalformedJSON,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    QueryTimeout,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from hireboard.kit.html import page, paragraph
from hireboard.kit.problem import PROBLEM_MEDIA_TYPE, problem_body, problem_bytes
from hireboard.kit.request_context import current_request_id
from hireboard.kit.routing import allowed_methods

# Framework-raised HTTP errors, mapped onto our classes so their codes are ours too.
_BY_STATUS: dict[int, type[AppError]] = {
    error.status: error
    for error in (
        MalformedJSON,
        NotAuthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        ServiceUnavailable,
    )
}


def problem_response(error: AppError, *, extra: dict[str, Any] | None = None) -> Response:
    return _render(
        error.status,
        error.code,
        error.title,
        error.detail,
        error.headers,
        {**error.data, **(extra or {})},
    )


def _render(
    status: int, code: str, title: str, detail: str, headers: dict[str, str], extra: dict[str, Any]
) -> Response:
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        request_id=current_request_id(),
        **extra,
    )
    return Response(
        problem_bytes(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)  # noqa: S101 - registered for AppError only
    if getattr(request.state, "html_errors", False):  # a page a person opened from an email
        return page(exc.title, paragraph(exc.detail), status=exc.status)
    return problem_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for HTTPException only
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    error_class = _BY_STATUS.get(exc.status_code)
    if error_class is not None:
        return problem_response(error_class(detail, headers=headers))
    # A status we have no class for (framework internals): keep it, with a generic code.
    return _render(exc.status_code, "http_error", "HTTP error", detail or "", headers, {})


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return problem_response(MalformedJSON("The request body is not valid JSON."))
    listed = [
        {
            "loc": list(error.get("loc", ())),
            "msg": error.get("msg", ""),
            "code": error.get("type", "invalid"),
        }
        for error in errors
    ]
    detail = f"{len(listed)} field(s) failed validation."
    return problem_response(ValidationFailed(detail), extra={"errors": listed})


# How long a client should wait after a cancelled statement: the load that slowed it is
# usually gone within a second or two.
QUERY_TIMEOUT_RETRY_AFTER_S = 1


async def _database_error(_: Request, exc: Exception) -> Response:
    """A statement cancelled by ``statement_timeout`` (SQLSTATE 57014) is 503 with
    ``Retry-After``; any other database error stays a bug (the last-resort 500)."""
    assert isinstance(exc, DBAPIError)  # noqa: S101 - registered for DBAPIError only
    if isinstance(exc.orig, psycopg.errors.QueryCanceled):
        retry = {"Retry-After": str(QUERY_TIMEOUT_RETRY_AFTER_S)}
        return problem_response(
            QueryTimeout("The query was cancelled by its time limit; retry.", headers=retry)
        )
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
