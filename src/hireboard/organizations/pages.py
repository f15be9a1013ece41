"""The page behind an invitation email's link.

hireboard has no web sign-in: the page says how to accept with the API, as the invited
address. It reads nothing, so it reveals nothing about the invitation to whoever opens it.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import HTMLResponse

from hireboard.kit.hosts import public_url
from hireboard.kit.html import html_errors, page, paragraph

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])


@router.get("/invitations/{token}")
async def invitation_page(
    request: Request,
    token: Annotated[str, Path(min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")],
) -> HTMLResponse:
    accept = public_url(request, f"/v1/invitations/{token}/accept")
    signup = public_url(request, "/v1/auth/signup")
    steps = (
        "<ol>\n"
        f"<li>Sign up (<code>POST {escape(signup)}</code>) or log in with the address this "
        "invitation was sent to.</li>\n"
        f"<li>Accept it, with your access token:<br><code>curl -X POST {escape(accept)} "
        '-H "authorization: Bearer $ACCESS_TOKEN"</code></li>\n'
        "</ol>"
    )
    intro = paragraph("You are invited to join an organization on hireboard.")
    return page("Your invitation", intro + steps)
