"""add_text_style: the compact rich-text JSON (text + styled ranges) that highlights keywords in a text.

Pure: no draft involved. The ranges come from the same keyword matcher as add_captions (longer keywords
first, no overlaps, code-point offsets), so both endpoints highlight the same characters.
"""

from __future__ import annotations

import json
from typing import Any

from capcut_mate.drafts.editing import keyword_spans
from capcut_mate.drafts.items import parse_color

WHITE = (1.0, 1.0, 1.0)


def _range(color: tuple[float, float, float], start: int, end: int, size: int, keyword: bool) -> dict[str, Any]:
    style: dict[str, Any] = {
        "fill": {"content": {"solid": {"color": list(color)}}},
        "range": [start, end],
        "size": size,
        "font": {"id": "", "path": ""},
    }
    if keyword:
        style["useLetterColor"] = True
    return style


def text_style(text: str, keyword: str, font_size: int, keyword_color: str, keyword_font_size: int) -> str:
    """White text at `font_size`; every keyword range in `keyword_color` at `keyword_font_size`."""
    color = parse_color(keyword_color, "keyword_color")
    styles, cursor = [], 0
    for start, end in keyword_spans(text, keyword.split("|")):
        if start > cursor:
            styles.append(_range(WHITE, cursor, start, font_size, keyword=False))
        styles.append(_range(color, start, end, keyword_font_size, keyword=True))
        cursor = end
    if cursor < len(text) or not styles:
        styles.append(_range(WHITE, cursor, len(text), font_size, keyword=False))
    return json.dumps({"text": text, "styles": styles}, ensure_ascii=False, separators=(",", ":"))
