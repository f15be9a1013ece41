"""The pages behind the links in identity emails (confirm an address, choose a password).

Opening a link changes nothing: mail scanners fetch links. The page holds a form, and
the POST spends the one-time token through the same service as the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from starlette.responses import HTMLResponse

from hireboard.db import WriteSession
from hireboard.identity.auth import IdentityService
from hireboard.kit.html import form, hidden, html_errors, page, paragraph, password

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])
Token = Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
PostedToken = Annotated[str, Form(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.get("/verify-email")
async def verify_email_page(token: Token) -> HTMLResponse:
    body = paragraph("Confirm that this email address is yours.") + form(
        "/verify-email", hidden("token", token), "Confirm my address"
    )
    return page("Confirm your email address", body)


@router.post("/verify-email")
async def verify_email_submit(
    token: PostedToken, session: WriteSession, identity: IdentityService
) -> HTMLResponse:
    await identity.verify_email(session, token=token)
    return page("Address confirmed", paragraph("Thank you: your email address is confirmed."))


@router.get("/reset-password")
async def reset_password_page(token: Token) -> HTMLResponse:
    return page("Choose a new password", _reset_form(token))


@router.post("/reset-password")
async def reset_password_submit(
    token: PostedToken,
    new_password: Annotated[str, Form(min_length=1, max_length=1024)],
    session: WriteSession,
    identity: IdentityService,
) -> HTMLResponse:
    await identity.confirm_password_reset(session, token=token, new_password=new_password)
    return page(
        "Password changed",
        paragraph("Your password is changed, and every session of the account has ended."),
    )


def _reset_form(token: str) -> str:
    fields = hidden("token", token) + password("new_password", "New password")
    return paragraph("At least 12 characters; a few unrelated words work well.") + form(
        "/reset-password", fields, "Set the password"
    )
