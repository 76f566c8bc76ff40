"""replace_text: new words in a draft's text segments, in the style the template gave them.

A text material's `content` is JSON: the text and styles, each over a range of it. The rule for the
new ranges is per character: characters that stay keep their style, and each replaced piece takes the
style of the first character it replaces. So replacing "NAME" in "Hello NAME!" styles the name as "NAME"
was styled, a keyword highlight elsewhere stays on its word, and replacing a whole text (by segment id)
gives it the style its first character had. Ranges are written in the unit the draft counted them in
(code points, or UTF-16 units as the app counts them; see render.text).
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass, field

from capcut_mate.drafts import document
from capcut_mate.drafts.document import Json
from capcut_mate.drafts.listing import content_object, text_content
from capcut_mate.errors import ApiError, clip
from capcut_mate.render.plan.text import range_to_index, ranges_count_utf16, style_range, unit_starts

Span = tuple[int, int]


@dataclass
class TextReplaced:
    segment_ids: list[str] = field(default_factory=list)
    replacements: int = 0  # pieces of text replaced


def _occurrences(text: str, match: str) -> list[Span]:
    spans, start = [], text.find(match)
    while start != -1:
        spans.append((start, start + len(match)))
        start = text.find(match, start + len(match))
    return spans


def restyle(text: str, styles: list[Json], spans: list[Span], piece: str) -> tuple[str, list[Json]]:
    """`text` with each [start, end) span (code points, in order, not overlapping) replaced by `piece`, and
    styles whose ranges cover the new text as the module docstring says."""
    utf16 = ranges_count_utf16(text, styles)
    to_index = range_to_index(text, styles)
    owner: list[int | None] = [None] * len(text)  # the style drawing each character: the last one covering it
    for number, style in enumerate(styles):
        first, last = (to_index(offset) for offset in style_range(style, len(text)))
        owner[first:last] = [number] * max(0, last - first)
    new_text, cursor = "", 0
    new_owner: list[int | None] = []
    for start, end in spans:
        taken = owner[start] if start < len(text) else (0 if styles else None)  # into an empty text: the first
        new_text += text[cursor:start] + piece
        new_owner += owner[cursor:start] + [taken] * len(piece)
        cursor = end
    new_text += text[cursor:]
    new_owner += owner[cursor:]
    new_starts = unit_starts(new_text, utf16)
    new_styles, index = [], 0
    for drawn_by, run in itertools.groupby(new_owner):
        length = len(list(run))
        if drawn_by is not None:
            new_styles.append(
                {**copy.deepcopy(styles[drawn_by]), "range": [new_starts[index], new_starts[index + length]]}
            )
        index += length
    return new_text, new_styles


def _rewrite(material: Json, spans: list[Span], piece: str, segment_id: str) -> None:
    text, styles, _ = text_content(material)
    new_text, new_styles = restyle(text, styles, spans, piece)
    if not new_text.strip():
        raise ApiError("VALIDATION_ERROR", f"text: segment {segment_id} would be left with no text; send some")
    content = content_object(material)
    if content is not None:
        content.update(text=new_text, styles=new_styles)
        material["content"] = json.dumps(content, ensure_ascii=False)
    else:
        material["content"] = new_text
    words = material.get("words")
    if isinstance(words, dict):  # per-word timings of recognised speech: they described the old words
        material["words"] = {key: [] if isinstance(value, list) else value for key, value in words.items()}


def replace_text(doc: Json, *, segment_id: str | None, match: str | None, text: str) -> TextReplaced:
    """Replace the whole text of one segment, or `match` wherever a text segment's text contains it."""
    texts = {item["id"]: item for item in doc["materials"].get("texts") or [] if isinstance(item, dict)}
    result = TextReplaced()
    if segment_id is not None:
        found = document.find_segment(doc, segment_id)
        if found is None:
            raise ApiError("SEGMENT_NOT_FOUND", f"segment_id: no segment {clip(segment_id)} in the draft")
        track, segment = found
        material = texts.get(segment["material_id"])
        if material is None:
            raise ApiError(
                "VALIDATION_ERROR",
                f"segment_id: {clip(segment_id)} is on a {track.get('type')} track, not a text; replace_text "
                "changes text segments (replace_material changes media)",
            )
        _rewrite(material, [(0, len(text_content(material)[0]))], text, segment_id)
        return TextReplaced([segment_id], 1)
    assert match is not None
    changed: set[str] = set()
    for track in doc["tracks"]:
        for segment in track["segments"]:
            material = texts.get(segment["material_id"])
            if material is None:
                continue
            if segment["material_id"] not in changed:
                spans = _occurrences(text_content(material)[0], match)
                if not spans:
                    continue
                _rewrite(material, spans, text, segment["id"])
                changed.add(segment["material_id"])
                result.replacements += len(spans)
            result.segment_ids.append(segment["id"])
    if not result.segment_ids:
        raise ApiError(
            "SEGMENT_NOT_FOUND", f"match: no text segment contains {clip(match)!r}; list_segments shows them"
        )
    return result
