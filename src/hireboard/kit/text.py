"""Text a client sends: one rule for every free-text parameter and field.

Control characters (Unicode category Cc: U+0000-U+001F and U+007F-U+009F) are refused with
422 naming the field, since PostgreSQL cannot store NUL, and CR/LF in a single-line value
(a name, a title) ends up in mail headers, logs and CSV exports. Multi-line text allows
tab and newline; a CR LF pair is normalised to LF (what a browser's textarea sends in a
form), a lone CR is refused; text whose code-point offsets are reported back (the
checker's) keeps its CR LF pairs. Lone surrogates are refused too: they are not UTF-8.

The rule is stated in the JSON schema as a ``pattern`` (ECMA-262 and Rust regex agree on
it), so the OpenAPI document says what the code enforces.

Request models derive from ``RequestModel``: unknown fields are refused and types are
strict (``true`` is not a number, ``1`` is not a string). Bodies are validated from parsed
JSON in Python mode, where strict mode would refuse an RFC 3339 string for a datetime or a
UUID; ``Uuid``, ``Timestamp`` and ``Day`` accept exactly those strings (and nothing else).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import core_schema as cs

from hireboard.kit.jsonschema import HttpUrlPattern

SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
# A CR is allowed only as the first half of CR LF (normalised away before storing).
MULTI_LINE_PATTERN = r"^(?:[^\x00-\x08\x0b-\x1f\x7f-\x9f]|\r\n)*$"
# The same, with one character that is neither white space nor a control character.
_SINGLE = r"[^\x00-\x1f\x7f-\x9f]"
_MULTI = r"(?:[^\x00-\x08\x0b-\x1f\x7f-\x9f]|\r\n)"
_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
SINGLE_LINE_FILLED = rf"^{_SINGLE}*{_VISIBLE}{_SINGLE}*$"
MULTI_LINE_FILLED = rf"^{_MULTI}*{_VISIBLE}{_MULTI}*$"

_SINGLE_LINE_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")


def _refuse(found: re.Match[str]) -> PydanticCustomError:
    return PydanticCustomError(
        "control_character",
        "control characters are not allowed here (found {char} at position {position})",
        {"char": f"U+{ord(found.group(0)[0]):04X}", "position": found.start()},
    )


def single_line_ok(value: str) -> bool:
    return _SINGLE_LINE_BAD.search(value) is None


def without_controls(value: str) -> str:
    """``value`` with its control characters dropped: for text a client cannot retype, such
    as an uploaded file's name."""
    return _SINGLE_LINE_BAD.sub("", value)


def single_line(value: Any) -> Any:
    """Refuses control characters in a ``str`` (other types fail the type check after)."""
    if isinstance(value, str) and (found := _SINGLE_LINE_BAD.search(value)):
        raise _refuse(found)
    return value


def multi_line_keeping_crlf(value: Any) -> Any:
    """Refuses control characters other than tab, newline and CR LF."""
    if isinstance(value, str) and (found := _MULTI_LINE_BAD.search(value)):
        raise _refuse(found)
    return value


def multi_line(value: Any) -> Any:
    """Refuses control characters other than tab and newline; CR LF becomes LF."""
    checked = multi_line_keeping_crlf(value)
    return checked.replace("\r\n", "\n") if isinstance(checked, str) else checked


@dataclass(frozen=True)
class Text:
    """``Annotated[str, Text(200)]``: text of at most ``max_length`` characters (stripped).

    A single line unless ``multiline``; ``strip=False`` keeps surrounding spaces (secrets)
    and ``crlf=True`` keeps CR LF pairs (text whose code-point offsets are reported back).
    """

    max_length: int
    min_length: int = 0
    multiline: bool = False
    strip: bool = True
    crlf: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> cs.CoreSchema:
        inner = cs.str_schema(
            min_length=self.min_length or None,
            max_length=self.max_length,
            strip_whitespace=self.strip,
        )
        return cs.with_info_before_validator_function(self._check, inner)

    def __get_pydantic_json_schema__(self, schema: cs.CoreSchema, handler: Any) -> Any:
        document = handler(schema)
        if self.strip and self.min_length:
            # Stripped, then at least one character: the document says "not blank".
            document["pattern"] = MULTI_LINE_FILLED if self.multiline else SINGLE_LINE_FILLED
        else:
            document["pattern"] = MULTI_LINE_PATTERN if self.multiline else SINGLE_LINE_PATTERN
        return document

    def _check(self, value: Any, info: cs.ValidationInfo) -> Any:
        if info.context and info.context.get(STORED):
            return value  # written before this rule: readable, refused only when sent again
        if isinstance(value, str) and len(value) > self.max_length:
            # The limit is on what was sent, as the document says, before CR LF becomes LF.
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": self.max_length},
            )
        if not self.multiline:
            return single_line(value)
        return multi_line_keeping_crlf(value) if self.crlf else multi_line(value)


# ``model_validate(row, context=STORED_CONTEXT)``: a stored row, not a client's input.
STORED = "stored"
STORED_CONTEXT = {STORED: True}

# Names, titles, short labels.
Name = Annotated[str, Text(200, min_length=1)]
# A secret the client typed: never stripped (spaces may be part of it), never multi-line.
Secret = Annotated[str, Text(128, strip=False)]
Token = Annotated[str, Text(200, min_length=1, strip=False)]
Email = Annotated[EmailStr, BeforeValidator(single_line)]
# Query parameters: codes in either case (the endpoints upper-case them), skills as typed.
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
PlaceCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$")]
SkillText = Annotated[str, Text(60, min_length=1)]
Url = Annotated[
    AnyHttpUrl,
    Field(max_length=2000),
    Strict(False),
    HttpUrlPattern(),
    BeforeValidator(single_line),
]


_SHAPES = {
    "uuid": re.compile(r"[0-9A-Fa-f-]{32,36}"),
    # RFC 3339: a date, or a date and time with its offset (a bare number or a time without
    # a zone would be read as a Unix time or in the server's zone).
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime": re.compile(
        r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})"
    ),
}
_EXAMPLES = {
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "date": "2026-12-31",
    "datetime": "2026-12-31T23:59:00Z",
}


def _rfc(kind: str) -> Any:
    """Only the string form JSON clients send (UUID or RFC 3339), then the usual parsing."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and _SHAPES[kind].fullmatch(value):
            return value
        if isinstance(value, uuid.UUID | datetime | date):
            return value  # already parsed (a caller in Python)
        raise PydanticCustomError(
            f"{kind}_format",
            "give a {kind} like {example}",
            {"kind": kind, "example": _EXAMPLES[kind]},
        )

    return BeforeValidator(check)


Uuid = Annotated[uuid.UUID, Strict(False), _rfc("uuid")]


def _in_utc(value: datetime) -> datetime:
    """RFC 3339 allows offsets PostgreSQL refuses (beyond 15:59): store the instant in UTC."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_range", "the time is outside years 1-9999 once in UTC"
        ) from None


Timestamp = Annotated[datetime, Strict(False), _rfc("datetime"), AfterValidator(_in_utc)]
Day = Annotated[date, Strict(False), _rfc("date")]


class RequestModel(BaseModel):
    """What every request body derives from: unknown fields refused, types strict."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _integral_numbers(cls, data: Any) -> Any:
        """JSON Schema's integer includes 2.0: whole floats become ints (strict floats still
        take ints; strings and booleans stay refused)."""
        return _whole_floats_as_ints(data)


def _whole_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_floats_as_ints(item) for item in value]
    return value


def errors_at(title: str, *errors: tuple[tuple[str | int, ...], str, str, Any]) -> ValidationError:
    """One error per ``(loc, code, message, input)``, each at its own field: raised from a
    model validator, the locations are relative to that model."""
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError(code, "{message}", {"message": message}),
                loc=loc,
                input=value,
            )
            for loc, code, message, value in errors
        ],
    )
