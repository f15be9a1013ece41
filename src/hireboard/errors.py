"""The one error hierarchy. Each class has a stable machine ``code`` clients can rely on.

Raise these from services; ``app.py`` renders them once as RFC 9457 problem+json.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    """An expected failure with an HTTP status and a stable snake_case code."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"
    # Most errors undo the request's writes; a few must keep them (a revoked token family).
    keeps_changes: ClassVar[bool] = False

    def __init__(
        self, detail: str | None = None, *, headers: dict[str, str] | None = None, **data: Any
    ) -> None:
        self.detail = detail or self.title
        self.headers = headers or {}
        self.data = data
        super().__init__(self.detail)


class MalformedJSON(AppError):
    status = 400
    code = "malformed_json"
    title = "Malformed JSON"


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"
    title = "Not authenticated"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class MethodNotAllowed(AppError):
    status = 405
    code = "method_not_allowed"
    title = "Method not allowed"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"
    title = "Invalid input"


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"


class QueryTimeout(AppError):
    """A statement cancelled by its route's statement timeout: load, not a bug."""

    status = 503
    code = "query_timeout"
    title = "The query took too long"


class InternalError(AppError):
    status = 500
    code = "internal_error"
    title = "Internal server error"


class IdempotencyKeyInvalid(AppError):
    status = 400
    code = "idempotency_key_invalid"
    title = "Invalid Idempotency-Key"


class IdempotencyKeyInUse(AppError):
    status = 409
    code = "idempotency_key_in_use"
    title = "A request with this Idempotency-Key is still being processed"


class IdempotencyKeyReused(AppError):
    status = 422
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used with a different request body"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class RateLimitUnavailable(AppError):
    status = 503
    code = "rate_limit_unavailable"
    title = "Rate limiting is unavailable"
