"""Rules the validators enforce, stated in the OpenAPI document too.

Clients and the fuzzer (tests/test_fuzz.py) read the document as the contract: a value it
allows must be accepted, so each rule a validator adds beyond its type is declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

JsonSchemaExtra = Callable[[dict[str, Any]], None]

# What pydantic's AnyHttpUrl accepts: an http(s) scheme and a host name or address.
HTTP_URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,4})?([/?#][!-~]*)?$"
)


class HttpUrlPattern:
    """Annotated marker: the URL's scheme and host rules as a pattern."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = HTTP_URL_PATTERN
        return schema


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
