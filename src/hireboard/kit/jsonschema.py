"""Rules the validators enforce, stated in the OpenAPI document too.

Clients and the fuzzer (tests/test_fuzz.py) read the document as the contract: a value it
allows must be accepted, so each rule a validator adds beyond its type is declared here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

JsonSchemaExtra = Callable[[dict[str, Any]], None]

# An RFC 3986 http(s) URL with an ASCII host name: checked before pydantic's URL parser,
# which would otherwise repair (percent-encode, lower-case) what a client got wrong.
_PCHAR = r"([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
HTTP_URL_PATTERN = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://{_LABEL}(\.{_LABEL})*(:[0-9]{{1,4}})?"
    rf"(/{_PCHAR}*)*(\?({_PCHAR}|[/?])*)?(#({_PCHAR}|[/?])*)?$"
)
_HTTP_URL = re.compile(HTTP_URL_PATTERN)


class HttpUrlPattern:
    """Annotated marker: the URL must match HTTP_URL_PATTERN, and the schema says so."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(_check_url, handler(source))

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = HTTP_URL_PATTERN
        if "maxLength" in schema:
            # Normalising adds "/" to a URL without a path; the limit applies after that.
            schema["maxLength"] -= 1
        return schema


def _check_url(value: Any) -> Any:
    if isinstance(value, str) and not _HTTP_URL.match(value):
        raise ValueError("must be an http(s) URL with an ASCII host name (RFC 3986)")
    return value


def non_nullable(names: Iterable[str]) -> JsonSchemaExtra:
    """Optional properties that may be left out but never sent as ``null``."""

    def apply(schema: dict[str, Any]) -> None:
        for name in names:
            prop = schema["properties"][name]
            branches = [b for b in prop.pop("anyOf", []) if b != {"type": "null"}]
            prop.pop("default", None)
            prop.update(branches[0] if len(branches) == 1 else {"anyOf": branches})

    return apply


def present(*names: str, **nested: dict[str, Any]) -> dict[str, Any]:
    """A schema saying each of ``names`` is sent and not ``null`` (``nested``: and is an
    object matching the schema given)."""
    properties: dict[str, Any] = {name: {"not": {"type": "null"}} for name in names}
    properties.update({name: {"type": "object", **schema} for name, schema in nested.items()})
    return {"required": [*names, *nested], "properties": properties}


def close_patterned_objects(node: Any) -> None:
    """Objects whose keys pydantic checks against a pattern refuse every other key."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            close_patterned_objects(value)
    elif isinstance(node, list):
        for value in node:
            close_patterned_objects(value)
