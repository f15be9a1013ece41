"""Requests must name a host we serve; absolute links never come from the request.

The ``Host`` header is the client's to choose: a link built from it points wherever the
client says (cache poisoning, password-reset links to an attacker's host). So every
absolute URL starts with the configured public URL, and a request naming another host is
refused with 400 ``invalid_host`` before any route runs.
"""

from __future__ import annotations

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from hireboard.kit.middleware import send_problem


def public_url(request: Request, path: str) -> str:
    """``path`` (absolute, may carry a query) under the configured public URL."""
    base: str = request.app.state.settings.base_url
    return base + path


def public_request_url(request: Request) -> URL:
    """The URL of this request as the public sees it, whatever ``Host`` it came with."""
    query = request.url.query
    return URL(public_url(request, request.url.path + (f"?{query}" if query else "")))


def host_name(value: str) -> str:
    """The host part of a ``Host`` header: no port, IPv6 without brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    """``*`` allows any host; ``*.example.com`` allows its subdomains (not itself)."""
    if "*" in allowed or host in allowed:
        return True
    return any(p.startswith("*.") and host.endswith(p[1:]) for p in allowed)


class TrustedHostMiddleware:
    """400 ``invalid_host`` (problem+json) for a ``Host`` outside ``allowed``.

    Health and metrics paths are exempt: probes and scrapers address the pod or
    container directly, and those answers hold no links.
    """

    def __init__(self, app: ASGIApp, *, allowed: frozenset[str], exempt: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope["headers"] if k == b"host"), b"")
        host = host_name(raw.decode("latin-1"))
        if host_allowed(host, self.allowed):
            await self.app(scope, receive, send)
            return
        await send_problem(
            send,
            status=400,
            code="invalid_host",
            title="Invalid Host header",
            detail="This server does not answer for that host name.",
            request_id=scope.get("state", {}).get("request_id"),
        )
