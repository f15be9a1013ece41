"""The current request id, readable from logs and error handlers without threading it through."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

REQUEST_ID_HEADER = "x-request-id"
# A sane incoming id: short, printable, no spaces or separators that could forge log fields.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def accept_or_make_request_id(incoming: str | None) -> str:
    """Keep a well-formed caller id (it ties their logs to ours); replace anything else."""
    if incoming is not None and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(16)
