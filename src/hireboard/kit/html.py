"""The few HTML pages email links open: plain markup, every value escaped, no scripts."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse


async def html_errors(request: Request) -> None:
    """A router dependency: this route's expected errors are answered as pages."""
    request.state.html_errors = True


def page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    """A complete page; ``body`` is markup the caller built with ``escape`` applied."""
    document = (
        "<!doctype html>\n<html lang=en>\n<head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - hireboard</title></head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )
    return HTMLResponse(document, status_code=status, headers={"Cache-Control": "no-store"})


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def form(action: str, fields: str, button: str) -> str:
    """A POST form back to this server; ``fields`` is markup from ``hidden``/``password``."""
    return (
        f'<form method=post action="{escape(action)}">\n{fields}'
        f"<button type=submit>{escape(button)}</button>\n</form>"
    )


def hidden(name: str, value: str) -> str:
    return f'<input type=hidden name="{escape(name)}" value="{escape(value)}">\n'


def password(name: str, label: str) -> str:
    return (
        f'<p><label>{escape(label)} <input type=password name="{escape(name)}" required '
        "autocomplete=new-password minlength=12 maxlength=1024></label></p>\n"
    )
