"""Applications' errors; each keeps a stable code."""

from __future__ import annotations

from hireboard.errors import Conflict, NotFound, ValidationFailed


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    title = "Application not found"


class PostingNotOpen(Conflict):
    code = "posting_not_open"
    title = "The posting no longer takes applications"


class ApplyElsewhere(Conflict):
    code = "apply_elsewhere"
    title = "This posting takes applications on the employer's own site"


class AlreadyApplied(Conflict):
    code = "already_applied"
    title = "You have already applied to this posting"


class FinalStage(Conflict):
    code = "application_closed"
    title = "The application has reached a final stage"


class UnknownStage(ValidationFailed):
    code = "unknown_stage"
    title = "The organization's pipeline has no such stage"


class NoteNotFound(NotFound):
    code = "note_not_found"
    title = "Note not found"
