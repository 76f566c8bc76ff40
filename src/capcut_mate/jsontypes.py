"""Number and boolean types for request fields: their own JSON type, or a string that clearly spells one.

Pydantic's lax mode reads `true` as 1 and `0` or `"no"` as false, so `{"height": true}` would make a
one-pixel canvas. `Int` / `Float` refuse booleans and otherwise validate as `int` / `float` (an `int`
field still takes 5.0, never 5.5); `Bool` takes true and false, and the integers 0 and 1 that the
reference's own request examples send (`"style_text": 0`), nothing else.

Coze plugins send numbers as strings (the reference's own `video_infos` example has `"height": "1080"`),
so a string that spells a finite JSON number (`"1080"`, `" 2.5 "`, `"1e3"`) is read as that number, and
`"true"` / `"false"` as booleans. Each such reading is reported as a named warning on the 200 answer
(`STRING_AS_NUMBER` / `STRING_AS_BOOLEAN`), so the client learns it is relying on leniency. Anything
else (`"abc"`, `""`, `"1e999"`, `"NaN"`, `"1_000"`) is still refused. The field path of the warning is
the field's name, prefixed by the JSON-string item it sits in (`video_infos[0].height`, see `within`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any

from pydantic import BeforeValidator, Strict, ValidationInfo

from capcut_mate.drafts import names
from capcut_mate.errors import clip

NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
INTEGER_RE = re.compile(r"[+-]?\d+", re.ASCII)

_prefix: ContextVar[str] = ContextVar("capcut_mate_field_prefix", default="")


@contextmanager
def within(prefix: str) -> Iterator[None]:
    """Warnings about fields validated inside the block name them `prefix.field` (an item of a JSON list)."""
    token = _prefix.set(prefix)
    try:
        yield
    finally:
        _prefix.reset(token)


def _where(info: ValidationInfo) -> str:
    field = info.field_name or "value"
    prefix = _prefix.get()
    return f"{prefix}.{field}" if prefix else field


def number_from_string(text: str) -> int | float:
    """The finite number `text` spells (surrounding spaces allowed), else ValueError saying why."""
    stripped = text.strip()
    if not NUMBER_RE.fullmatch(stripped):
        raise ValueError(f"must be a number, not a string ({clip(text, 40)!r} is not a number)")
    value: int | float = int(stripped) if INTEGER_RE.fullmatch(stripped) else float(stripped)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a number; {clip(text, 40)!r} is out of range")
    return value


def json_number(value: Any, info: ValidationInfo) -> Any:
    """Before-validator of every numeric request field: refuse booleans, read numeric strings (warned)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, bytes):
        raise ValueError("must be a number, not a string")
    if isinstance(value, str):
        number = number_from_string(value)
        names.warn(
            _where(info),
            clip(value, 40),
            f"the string {clip(value, 40)!r} was read as the number {number}; send a JSON number",
            code="STRING_AS_NUMBER",
            zh=f"字符串{clip(value, 40)!r}已按数字{number}读取；请发送JSON数字",
        )
        return number
    return value


Int = Annotated[int, BeforeValidator(json_number)]
Float = Annotated[float, BeforeValidator(json_number)]


def _json_bool(value: Any, info: ValidationInfo) -> Any:
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        flag = value.strip().lower() == "true"
        names.warn(
            _where(info),
            clip(value, 40),
            f"the string {clip(value, 40)!r} was read as {str(flag).lower()}; send a JSON boolean",
            code="STRING_AS_BOOLEAN",
            zh=f"字符串{clip(value, 40)!r}已按布尔值{str(flag).lower()}读取；请发送JSON布尔值",
        )
        return flag
    return value


Bool = Annotated[bool, Strict(), BeforeValidator(_json_bool)]
