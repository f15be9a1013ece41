"""The liveness probe answered before the middleware stack: a probe should cost nothing.

``GET /healthz`` says only that the process serves; routing it through every middleware
and FastAPI's dependency machinery cost about 85 % of its time (py-spy, issue 20), and
orchestrators and load balancers ask it often. This outermost layer answers it with the
same body and headers (request id, security headers) and records it in the request
metrics, but writes no access-log line and opens no span. Anything else, and a probe
whose headers break the limits (the stack answers that one 431), goes through the stack.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from hireboard.kit.middleware import header_bytes
from hireboard.kit.request_context import REQUEST_ID_HEADER, accept_or_make_request_id

LIVENESS_PATH = "/healthz"
_BODY = b'{"status":"ok","checks":{}}'
_REQUEST_ID = REQUEST_ID_HEADER.encode()


class LivenessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: list[tuple[bytes, bytes]],
        max_header_count: int,
        max_header_bytes: int,
        record: Callable[[float], None],
    ) -> None:
        self.app = app
        self.headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_BODY)).encode()),
            *headers,
        ]
        self.max_header_count = max_header_count
        self.max_header_bytes = max_header_bytes
        self.record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._is_probe(scope):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        incoming = None
        for name, value in scope["headers"]:
            if name == _REQUEST_ID:
                incoming = value.decode("latin-1")
        request_id = accept_or_make_request_id(incoming)
        headers = [*self.headers, (_REQUEST_ID, request_id.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": _BODY})
        self.record(time.perf_counter() - start)

    def _is_probe(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["path"] != LIVENESS_PATH or scope["method"] != "GET":
            return False
        headers = scope["headers"]
        if len(headers) > self.max_header_count:
            return False
        return header_bytes(headers) <= self.max_header_bytes
