"""Request and response bodies of the auth API; unknown fields are refused (422)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from pydantic.config import JsonDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The length rule of a new password, stated for clients; checking it stays with
# password_problems, so a short password is still 422 `weak_password` with the other rules.
NEW_PASSWORD: JsonDict = {"minLength": 10}


class SignUp(Strict):
    email: EmailStr
    password: str = Field(max_length=128, json_schema_extra=NEW_PASSWORD)
    name: str = Field(min_length=1, max_length=200)


class Login(Strict):
    email: EmailStr
    password: str = Field(max_length=128)


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class PasswordChange(Strict):
    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128, json_schema_extra=NEW_PASSWORD)


class EmailOnly(Strict):
    email: EmailStr


class OneTimeToken(Strict):
    token: str = Field(min_length=1, max_length=200)


class PasswordReset(Strict):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(max_length=128, json_schema_extra=NEW_PASSWORD)


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
