"""Authorization errors; each keeps a stable code."""

from __future__ import annotations

from hireboard.errors import Forbidden


class NotAllowed(Forbidden):
    code = "forbidden"
    title = "Your role does not allow this"


class InsufficientScope(Forbidden):
    code = "insufficient_scope"
    title = "The API key lacks the scope this needs"


class ApiKeyNotAllowed(Forbidden):
    code = "api_key_not_allowed"
    title = "This needs a user, not an API key"


class EmailNotVerified(Forbidden):
    code = "email_not_verified"
    title = "Verify your email address first"


class ConflictOfInterest(Forbidden):
    code = "conflict_of_interest"
    title = "This is your own application"
