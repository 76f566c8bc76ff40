"""Font names accepted by add_captions → the app's cloud font resource, from pyJianYingDraft's catalogue."""

from __future__ import annotations

from functools import cache
from typing import Any

from pyJianYingDraft.metadata import FontType

from capcut_mate.drafts.names import unknown


@cache
def _fonts() -> dict[str, Any]:
    return {member.name: member.value for member in FontType}


def resolve_font(name: str | None, field: str) -> dict[str, str] | None:
    """Exact catalogue name, else a unique substring (case-blind); None keeps the app's default font.

    An unknown font is a warning (the default font is kept) or, when names are strict, a 400.
    """
    if name is None or not name.strip():
        return None
    fonts = _fonts()
    wanted = name.strip()
    meta = fonts.get(wanted)
    if meta is None:
        matches = [key for key in fonts if wanted.lower() in key.lower()]
        if len(matches) != 1:
            hint = f"; candidates: {', '.join(matches[:8])}" if matches else ""
            unknown(field, name, f"unknown font {name!r}{hint}")
            return None
        meta = fonts[matches[0]]
    return {"id": meta.resource_id, "path": "", "title": meta.name}
