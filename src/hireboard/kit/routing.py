"""The route class every router uses (JSON bodies must say they are JSON), and 405's Allow."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

from fastapi import params
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from hireboard.kit import idempotency
from hireboard.kit.caller import caller_id
from hireboard.kit.middleware import BODY_LIMIT_SCOPE_KEY


def _is_json(content_type: str) -> bool:
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in {"", "0"}
    return "transfer-encoding" in request.headers


MAX_BODY_EXTENSION = "x-max-body-bytes"


def body_limit(max_bytes: int) -> dict[str, Any]:
    """``openapi_extra`` for a route that accepts bodies of another size than the default.

    The limit is then also visible to clients in the OpenAPI document.
    """
    return {MAX_BODY_EXTENSION: max_bytes}


class JSONRoute(APIRoute):
    """Applies the route's body limit and refuses non-JSON bodies with 415 before parsing.

    FastAPI alone would ignore a non-JSON body and answer 422 "field required", which
    hides the real mistake from the client.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None and not isinstance(
            self.body_field.field_info, params.Form
        )
        max_body = (self.openapi_extra or {}).get(MAX_BODY_EXTENSION)
        keyed_route = bool((self.openapi_extra or {}).get(idempotency.MARKER))

        async def checked(request: Request) -> Response:
            if max_body is not None:
                request.scope[BODY_LIMIT_SCOPE_KEY] = max_body
            if takes_json and _has_body(request):
                content_type = request.headers.get("content-type", "")
                if not _is_json(content_type):
                    raise HTTPException(
                        status_code=415, detail="Send the body as application/json."
                    )
            if keyed_route:
                return await _with_idempotency(request, handler)
            return await handler(request)

        return checked


async def _with_idempotency(
    request: Request, handler: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Response:
    keyed = await idempotency.keyed_request(request, caller_id(request))
    if keyed is None:
        return await handler(request)
    request.state.idempotency = keyed
    try:
        response = await handler(request)
    except idempotency.StoredResponse as stored:
        return stored.to_response()
    # The request's write session stores this when it commits (see db.write_session).
    keyed.response = response
    return response


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves at the request's path.

    Starlette answers 405 from the first route whose path matches, so its ``Allow`` names
    that route's methods only; a path served by several routes (GET and DELETE declared
    apart, or in other routers) needs them all. Asking every route whether it would take
    the path with each method works whatever nests inside (included routers, mounts).
    """
    return [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]
