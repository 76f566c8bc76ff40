"""Font names accepted by add_captions → the app's cloud font resource, from pyJianYingDraft's catalogue."""

from __future__ import annotations

from functools import cache
from typing import Any

from pyJianYingDraft.metadata import FontType

from capcut_mate.errors import ApiError


@cache
def _fonts() -> dict[str, Any]:
    return {member.name: member.value for member in FontType}


def resolve_font(name: str | None, field: str) -> dict[str, str] | None:
    """Exact catalogue name, else a unique substring; None keeps the app's default font."""
    if name is None or not name.strip():
        return None
    fonts = _fonts()
    wanted = name.strip()
    meta = fonts.get(wanted)
    if meta is None:
        matches = [key for key in fonts if wanted in key]
        if len(matches) != 1:
            hint = f"; candidates: {', '.join(matches[:8])}" if matches else ""
            raise ApiError("VALIDATION_ERROR", f"{field}: unknown font {name!r}{hint}")
        meta = fonts[matches[0]]
    return {"id": meta.resource_id, "path": "", "title": meta.name}
