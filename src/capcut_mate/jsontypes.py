"""Number and boolean types for request fields that accept their own JSON type only.

Pydantic's lax mode reads `true` as 1, `"5"` as 5 and `0` or `"no"` as false, so `{"height": true}`
would make a one-pixel canvas. `Int` / `Float` refuse booleans and strings and otherwise validate as
`int` / `float` (an `int` field still takes 5.0, never 5.5); `Bool` takes true and false, and the integers
0 and 1 that the reference's own request examples send (`"style_text": 0`), nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Strict


def _json_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, str | bytes):
        raise ValueError("must be a number, not a string")
    return value


Int = Annotated[int, BeforeValidator(_json_number)]
Float = Annotated[float, BeforeValidator(_json_number)]


def _json_bool(value: Any) -> Any:
    if type(value) is int and value in (0, 1):
        return bool(value)
    return value


Bool = Annotated[bool, Strict(), BeforeValidator(_json_bool)]
