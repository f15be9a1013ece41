"""Request and response bodies of the auth API; unknown fields are refused (422)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from pydantic.config import JsonDict

from hireboard.kit.text import Email, Name, RequestModel, Secret, Token

# The length rule of a new password, stated for clients; checking it stays with
# password_problems, so a short password is still 422 `weak_password` with the other rules.
NEW_PASSWORD: JsonDict = {"minLength": 10}


NewSecret = Annotated[Secret, Field(json_schema_extra=NEW_PASSWORD)]


class SignUp(RequestModel):
    email: Email
    password: NewSecret
    name: Name


class Login(RequestModel):
    email: Email
    password: Secret


class RefreshRequest(RequestModel):
    refresh_token: Token


class PasswordChange(RequestModel):
    current_password: Secret
    new_password: NewSecret


class EmailOnly(RequestModel):
    email: Email


class OneTimeToken(RequestModel):
    token: Token


class PasswordReset(RequestModel):
    token: Token
    new_password: NewSecret


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    detail: str


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105

    expires_in: int
    refresh_token: str


class Me(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    is_platform_admin: bool
    email_verified: bool
    created_at: datetime
