"""Number types for request fields that accept JSON numbers only.

Pydantic's lax mode reads `true` as 1 and `"5"` as 5, so `{"height": true}` would make a one-pixel
canvas. These refuse booleans and strings and otherwise validate as `int` / `float` (an `int` field
still takes 5.0, never 5.5).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _json_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, str | bytes):
        raise ValueError("must be a number, not a string")
    return value


Int = Annotated[int, BeforeValidator(_json_number)]
Float = Annotated[float, BeforeValidator(_json_number)]
