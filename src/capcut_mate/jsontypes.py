"""Number and boolean types for request fields that accept their own JSON type only.

Pydantic's lax mode reads `true` as 1, `"5"` as 5 and `0` or `"no"` as false, so `{"height": true}`
would make a one-pixel canvas. `Int` / `Float` refuse booleans and strings and otherwise validate as
`int` / `float` (an `int` field still takes 5.0, never 5.5); `Bool` takes only true and false.
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
Bool = Annotated[bool, Strict()]
