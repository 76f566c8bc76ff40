"""Fetch a font file by URL (add_font, add_captions' `font_url`) and make sure it is a font the app and the
renderer can both use, before anything is stored.

A font is no media (the media probe would refuse it) and is stored whole with the draft, so it is fetched with
the same guarded client, time budget and size cap as every other download (`media.download`), then checked:
TrueType, OpenType (CFF) or a TrueType collection, whose tables are all there (a download cut short is caught
here, not in a render) and readable by fontTools, with a character map and
glyph outlines or bitmaps, and which FreeType (the renderer's engine, through Pillow) opens. Anything else is
``UNSUPPORTED_FONT`` with what to do about it, and nothing is written.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from fontTools.ttLib import TTCollection, TTFont, TTLibError
from PIL import ImageFont

from capcut_mate.errors import ApiError, clip
from capcut_mate.media.download import fetch_bytes
from capcut_mate.media.fetch import FetchPolicy

MAX_FONT_BYTES = 64 * 1024 * 1024  # the largest CJK collections are ~30 MB
# The first four bytes of each accepted format, and the file suffix it is stored under.
SIGNATURES = {b"\x00\x01\x00\x00": ".ttf", b"true": ".ttf", b"OTTO": ".otf", b"ttcf": ".ttc"}
WEB_FONTS = {b"wOFF": "WOFF", b"wOF2": "WOFF2"}
GLYPH_TABLES = ("glyf", "CFF ", "CFF2", "CBDT", "sbix", "EBDT")


@dataclass(frozen=True)
class FontFile:
    """A checked font: its bytes and the names the app and add_captions know it by (first face of a .ttc)."""

    data: bytes
    suffix: str
    sha256: str
    family: str
    style: str
    full_name: str


def inspect_font(data: bytes, source: str) -> FontFile:
    """The font in `data`, or UNSUPPORTED_FONT saying why it is not one (`source` names it in the message)."""
    suffix = SIGNATURES.get(data[:4])
    if suffix is None:
        web = WEB_FONTS.get(data[:4])
        hint = f"it is a {web} web font; convert it to TTF or OTF" if web else "not a TTF, OTF or TTC font file"
        raise ApiError("UNSUPPORTED_FONT", f"{source}: {hint}")
    try:
        font = TTCollection(io.BytesIO(data)).fonts[0] if suffix == ".ttc" else TTFont(io.BytesIO(data))
        tables = set(font.keys())
        truncated = [tag for tag, entry in font.reader.tables.items() if entry.offset + entry.length > len(data)]
        cmap = font.getBestCmap() if "cmap" in tables else None
        names = font["name"] if "name" in tables else None
        family = (names.getBestFamilyName() or "") if names is not None else ""
        style = (names.getBestSubFamilyName() or "") if names is not None else ""
        full_name = (names.getBestFullName() or "") if names is not None else ""
    except (TTLibError, KeyError, ValueError, IndexError, AssertionError, OSError, EOFError) as exc:
        raise ApiError("UNSUPPORTED_FONT", f"{source}: the font file is damaged ({type(exc).__name__})") from None
    if truncated:
        raise ApiError("UNSUPPORTED_FONT", f"{source}: the font file is cut short (tables {', '.join(truncated)})")
    if not cmap:
        raise ApiError("UNSUPPORTED_FONT", f"{source}: the font maps no characters (no usable cmap table)")
    if not tables & set(GLYPH_TABLES):
        raise ApiError("UNSUPPORTED_FONT", f"{source}: the font has no glyph outlines or bitmaps")
    if not family.strip():
        raise ApiError("UNSUPPORTED_FONT", f"{source}: the font has no family name (name table)")
    try:
        ImageFont.truetype(io.BytesIO(data), 48).getmask(chr(next(iter(cmap))))
    except (OSError, ValueError) as exc:
        raise ApiError("UNSUPPORTED_FONT", f"{source}: FreeType cannot draw with it ({exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    return FontFile(data, suffix, digest, family.strip(), style.strip(), full_name.strip() or family.strip())


def fetch_font(url: str, policy: FetchPolicy) -> FontFile:
    """Download `url` under the media policy (at most MAX_FONT_BYTES) and check it is a usable font."""
    data = fetch_bytes(url, policy, MAX_FONT_BYTES, "a font file")
    return inspect_font(data, clip(url))
