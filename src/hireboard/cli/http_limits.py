"""The HTTP protocol ``serve`` runs: httptools, refusing oversized header sections early.

uvicorn's httptools protocol buffers a header section of any size before the app sees
the request (``h11_max_incomplete_event_size`` applies to h11 only), so a client can make
each connection hold megabytes. This protocol counts the bytes received while a request's
headers are still incomplete and, past the limit, answers 431 and closes the connection
without reading more. The app's ``HeaderLimitMiddleware`` then applies the exact limits
(byte total and field count) to what got through, with the same answer.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_DEFAULT_MAX_BYTES = 16 * 1024  # h11's own default

_BODY = json.dumps(
    {
        "type": "https://hireboard.dev/problems/request-headers-too-large",
        "title": "Request header fields too large",
        "status": 431,
        "detail": "The request's header section is too large.",
        "code": "request_headers_too_large",
        "request_id": None,
    },
    separators=(",", ":"),
).encode()
_RESPONSE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/problem+json\r\n"
    b"content-length: " + str(len(_BODY)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _BODY
)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a bound on the bytes of a header section.

    The bound is uvicorn's ``h11_max_incomplete_event_size`` (what it means for h11 too):
    a plain option survives the pickling of the config for worker processes, where a
    class made per setting would not.
    """

    def __init__(self, config: Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.max_header_bytes = config.h11_max_incomplete_event_size or _DEFAULT_MAX_BYTES
        self._in_headers = True
        self._header_bytes = 0

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        # Still inside the headers after this chunk: everything counted was header bytes
        # (a finished section resets the count), so the bound holds to within one read.
        if self._in_headers and self._header_bytes > self.max_header_bytes:
            self._refuse()

    def on_headers_complete(self) -> None:
        self._in_headers, self._header_bytes = False, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_headers = True
        super().on_message_complete()

    def _refuse(self) -> None:
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_RESPONSE)
        self.transport.close()
