"""Font names accepted by add_captions → what a text style's ``font`` says: a font file stored with the draft
(add_font) or the app's cloud font resource (the catalogue of the draft's app).

A font stored with the draft is referenced the way the app references a local font (a CapCut 7.9 draft, the
calibration draft in shared/calibration: ``"font": {"path": "<the .ttf>", "id": ""}``), with the path relative
to the draft folder behind the draft placeholder like every other asset, so the folder stays relocatable and the
renderer finds the file in it. A cloud font is ``{"id": <resource id>, "path": ""}`` as pyJianYingDraft writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from capcut_mate.drafts.catalogue import Catalogue
from capcut_mate.drafts.names import unknown

REGULAR_STYLES = ("regular", "book", "normal", "roman", "")


@dataclass(frozen=True)
class DraftFont:
    """A font file stored with a draft: its id (content hash), its names, and its material path."""

    font_id: str
    family: str
    style: str
    full_name: str
    path: str

    def style_font(self) -> dict[str, str]:
        """A text style's ``font`` for this file, as the app writes a local font."""
        return {"id": "", "path": self.path}

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> DraftFont:
        fields: dict[str, Any] = json.loads(data)
        return cls(**{key: str(fields.get(key) or "") for key in cls.__dataclass_fields__})


def _loose(name: str) -> str:
    """'Mate Block Bold', 'mate-block_bold' and 'MateBlockBold' compare equal."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


def _draft_font(fonts: Sequence[DraftFont], wanted: str) -> DraftFont | None:
    """The draft's font called `wanted`: by id, full name, then family (its regular face first)."""
    key = _loose(wanted)
    for font in fonts:
        if key in (_loose(font.font_id), _loose(font.full_name)):
            return font
    family = [font for font in fonts if _loose(font.family) == key]
    return min(family, key=lambda font: font.style.casefold() not in REGULAR_STYLES, default=None)


def _catalogue_fonts(cat: Catalogue) -> dict[str, Enum]:
    return {member.name: member for enum_cls in cat.fonts for member in enum_cls}


def resolve_font(
    name: str | None, field: str, cat: Catalogue, draft_fonts: Sequence[DraftFont] = ()
) -> dict[str, str] | None:
    """The style ``font`` for `name`: a font of the draft, else the app's catalogue font (exact name, else a
    unique substring, case-blind); None keeps the app's default font.

    An unknown font is a warning (the default font is kept) or, when names are strict, a 400.
    """
    if name is None or not name.strip():
        return None
    wanted = name.strip()
    own = _draft_font(draft_fonts, wanted)
    if own is not None:
        return own.style_font()
    fonts = _catalogue_fonts(cat)
    member = fonts.get(wanted)
    if member is None:
        matches = [key for key in fonts if wanted.lower() in key.lower()]
        if len(matches) != 1:
            hint = f"; candidates: {', '.join(matches[:8])}" if matches else ""
            added = f"; fonts added with add_font: {', '.join(f.family for f in draft_fonts)}" if draft_fonts else ""
            unknown(field, name, f"unknown font {name!r}{hint}{added}")
            return None
        member = fonts[matches[0]]
    return {"id": member.value.resource_id, "path": "", "title": member.value.name}
