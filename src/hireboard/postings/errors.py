"""Postings' errors; each keeps a stable code."""

from __future__ import annotations

from hireboard.errors import Conflict, NotFound


class PostingNotFound(NotFound):
    code = "posting_not_found"
    title = "Posting not found"


class PostingNotCompliant(Conflict):
    code = "posting_not_compliant"
    title = "The posting breaks a pay-transparency law where it is offered"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "The posting's status does not allow this"


class PostingRemoved(Conflict):
    code = "posting_removed"
    title = "The posting was removed by moderation"


class ClosesAtPassed(Conflict):
    code = "closes_at_passed"
    title = "The application deadline has passed"


class ReportNotFound(NotFound):
    code = "report_not_found"
    title = "Report not found"
